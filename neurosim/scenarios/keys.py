"""The scenario format's keys, declared once: what each block allows and requires, with types, defaults and bounds.

One concern, past 400 lines: the table of every block and key is read best in
one place, beside the few helpers that write it and turn it into the schema.

The loader asks here which keys each mapping allows and requires (`of`, in
the order its errors list them); the JSON Schema that `neurosim schema` prints
and the key reference in docs/scenarios.md are generated from the same table
(`json_schema`, `reference_table`). Bounds come from `limits.py`, defaults from
the model, learning rules from their registry.

To add a key: one `Key(...)` line in its block below (the loader then accepts
it, the schema and the reference list it); the loader reads its value.
To add a problem: one line in `network.problem`, one block for its settings.
Then regenerate the two generated copies (the tests fail while they are stale):
`python -m neurosim schema > scenarios/scenario.schema.json`, and the key table
of docs/scenarios.md from `reference_table()`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from neurosim.model.dynamics import Dynamics, NeuronKind, ScheduleKind
from neurosim.model.registry import LEARNING_RULES, Param, parameter_names
from neurosim.scenarios.limits import (
    MAX_ANNEALING_SWEEPS,
    MAX_CITIES,
    MAX_INTEGER,
    MAX_LEARNING_STEPS,
    MAX_NEURONS,
    MAX_PATTERNS,
    MAX_REPEATS,
    MAX_SPIN_GLASS,
    MAX_SWEEP_POINTS,
    MAX_SWEEPS,
)

Schema = dict[str, Any]
#: A key without a default (the reference shows "none").
NO_DEFAULT: Any = None


class Words(str):
    """A default described in words (the schema gives no default value for it)."""

    __slots__ = ()


def integer(minimum: int = 0, maximum: int = MAX_INTEGER) -> Schema:
    """A whole number in [minimum, maximum]."""
    return {"type": "integer", "minimum": minimum, "maximum": maximum}


def number(*, minimum: float | None = None, above: float | None = None, maximum: float | None = None) -> Schema:
    """A finite number, at least `minimum`, or greater than `above`, at most `maximum`."""
    out: Schema = {"type": "number"}
    if minimum is not None:
        out["minimum"] = minimum
    if above is not None:
        out["exclusiveMinimum"] = above
    if maximum is not None:
        out["maximum"] = maximum
    return out


def text() -> Schema:
    """A string."""
    return {"type": "string"}


def choice(*values: Any) -> Schema:
    """One of these values."""
    return {"enum": list(values)}


def block(path: str) -> Schema:
    """The mapping of the block at `path`."""
    return {"$ref": f"#/$defs/{path}"}


def list_of(item: Schema, *, min_items: int = 1, unique: bool = False) -> Schema:
    """A list of `item`s, at least `min_items` of them."""
    out: Schema = {"type": "array", "items": item, "minItems": min_items}
    if unique:
        out["uniqueItems"] = True
    return out


def names_to(value: Schema) -> Schema:
    """A mapping of free names (patterns) to `value`s, at least one."""
    return {"type": "object", "additionalProperties": value, "minProperties": 1}


def either(*options: Schema) -> Schema:
    """Any one of these forms."""
    return {"anyOf": list(options)}


#: A state or pattern written as a list of ±1.
SPINS = list_of(choice(1, -1))
#: A name as written (YAML reads `1` or `NO` as a number or a boolean; the loader takes it as written).
NAME: Schema = {"type": ["string", "number", "boolean"]}


@dataclass(frozen=True, slots=True)
class Key:
    """One key of a block: its value's schema, what it means, its default, whether it must be given."""

    name: str
    value: Schema
    doc: str
    default: Any = NO_DEFAULT
    required: bool = False


@dataclass(frozen=True, slots=True)
class Block:
    """A mapping of the format: its keys in order, and rules between them (JSON Schema) beyond each key's own."""

    path: str
    doc: str
    keys: tuple[Key, ...]
    rules: Schema = field(default_factory=dict)


_DYNAMICS = Dynamics()


def _param(p: Param) -> Key:
    if p.kind == "function":
        value = either(choice("exponential"), block("network.learning.F"))
    elif p.kind == "integer":
        value = integer(1, MAX_LEARNING_STEPS)
    else:
        value = number(minimum=0.0) if p.non_negative else number()
    default: Any = p.shown(p.default) if p.kind == "function" else int(p.default) if p.kind == "integer" else p.default
    return Key(p.name, value, p.doc, default)


def _learning_rules() -> Schema:
    """A rule's name, or `{rule: NAME, ...}` with the parameters that rule takes (from the registry)."""
    forms = []
    for rule in LEARNING_RULES.values():
        keys = [_param(p) for p in rule.params]
        forms.append(
            {
                "type": "object",
                "description": rule.summary,
                "properties": {"rule": {"const": rule.name}, **{k.name: _property(k) for k in keys}},
                "required": ["rule"],
                "additionalProperties": False,
            }
        )
    return either(choice(*LEARNING_RULES), {"oneOf": forms})


def _blocks() -> tuple[Block, ...]:
    return (
        Block("", "A scenario", (
            Key("name", text(), "the run's name", Words("the file's name without .yaml")),
            Key("description", text(), "one line saying what the scenario shows (`neurosim scenarios` lists it)"),
            Key("seed", integer(0), "drives every random choice", 0),
            Key("patterns", block("patterns"), "the stored patterns, from one or more sources"),
            Key("network", block("network"), "how the couplings are made", Words("hebbian learning")),
            Key("dynamics", block("dynamics"), "how the neurons update"),
            Key("trials", list_of(block("trials[]")), "the recalls to run", required=True),
            Key("sweep", block("sweep"), "a grid of runs over parameters × seeds"),
        )),
        Block("patterns", "Pattern sources, combined in the order written", (
            Key("glyphs", names_to(text()), "NAME: block of '#'/'*' (+1) and '.' (-1) rows, all the same shape"),
            Key("vectors", names_to(SPINS), "NAME: [1, -1, ...], all the same length"),
            Key("random", block("patterns.random"), "uniform random ±1 patterns"),
            Key("file", either(text(), block("patterns.file"), list_of(either(text(), block("patterns.file")))),
                "a HopfieldANN pattern file (path relative to the scenario), or a list of them"),
        ), {"minProperties": 1}),
        Block("patterns.random", "Random patterns", (
            Key("count", integer(1, MAX_PATTERNS), "number of patterns P", required=True),
            Key("size", integer(2, MAX_NEURONS), "number of neurons N", required=True),
            Key("prefix", text(), "names are PREFIX0, PREFIX1, …", "p"),
            Key("activity", number(above=0.0, maximum=1.0), "each entry +1 with probability a (sparse coding: a < ½)",
                0.5),
        )),
        Block("patterns.file", "A pattern file with names", (
            Key("path", text(), "the file, relative to the scenario", required=True),
            Key("names", list_of(NAME, min_items=0), "one name per pattern", Words("FILESTEM_0, FILESTEM_1, …")),
        )),
        Block("network", "The couplings: learned, loaded or a problem's (give one of learning, weights, problem)", (
            Key("learning", _learning_rules(), "a learning rule, by name or {rule: NAME, parameters}", "hebbian"),
            Key("connectivity", block("network.connectivity"),
                "a diluted network: K synapses per neuron, or each with probability p (conventions §15)"),
            Key("biases", either(number(), list_of(number(), min_items=0), text()),
                "θ: one number, a list of N, or a .npy file", 0),
            Key("weights", text(), "a .npy matrix (physical units) or a .npz saved by --save-weights"),
            Key("problem", block("network.problem"), "an optimisation problem's energy instead of patterns"),
        ), {"not": {"anyOf": [{"required": a} for a in (["learning", "weights"], ["learning", "problem"],
                                                          ["weights", "problem"])]}}),
        Block("network.connectivity", "Which neuron receives a synapse from which: give in_degree or probability", (
            Key("in_degree", integer(1, MAX_NEURONS), "K: exactly K synapses into each neuron (K even if symmetric)"),
            Key("probability", number(above=0.0, maximum=1.0), "p: each synapse exists with probability p"),
            Key("symmetric", {"type": "boolean"}, "c_ij = c_ji (false: independent inputs, no energy function)", True),
        ), {"oneOf": [{"required": ["in_degree"]}, {"required": ["probability"]}]}),
        Block("network.learning.F", "F(x) = x^n", (
            Key("polynomial", integer(2, MAX_LEARNING_STEPS), "the degree n", required=True),
        )),
        Block("network.problem", "Exactly one problem", (
            Key("maxcut", block("network.problem.maxcut"), "Max-Cut of a graph: W = -A"),
            Key("rooks", block("network.problem.rooks"), "n non-attacking rooks on an n × n board"),
            Key("coloring", block("network.problem.coloring"), "colour a graph's vertices with k colours, one-hot"),
            Key("tsp", block("network.problem.tsp"), "the Hopfield-Tank travelling salesman, n² neurons"),
            Key("spin_glass", block("network.problem.spin_glass"), "a Sherrington-Kirkpatrick spin glass"),
        ), {"minProperties": 1, "maxProperties": 1}),
        Block("network.problem.coloring", "A graph and a number of colours", (
            Key("colors", integer(1, MAX_NEURONS), "k colours", required=True),
            Key("edges", either(text(), list_of(list_of(integer(0, MAX_NEURONS - 1), min_items=2) | {"maxItems": 2})),
                "an edge-list or DIMACS .col file, or a list of pairs [i, j] (0-based)", required=True),
            Key("nodes", integer(1, MAX_NEURONS), "number of vertices", Words("the file's, or 1 + the largest vertex")),
        )),
        Block("network.problem.tsp", "Cities: give cities or random", (
            Key("cities", list_of(list_of(number(), min_items=2) | {"maxItems": 2}, min_items=3), "[[x, y], ...]"),
            Key("random", integer(3, MAX_CITIES), "n cities uniform in the unit square"),
            Key("seed", integer(0), "with random: the cities' seed", 0),
            Key("penalty", number(above=0.0), "A: the weight of the one-hot penalty", 1.0),
            Key("distance", number(above=0.0), "D: the weight of the tour length", 1.0),
        ), {"oneOf": [{"required": ["cities"]}, {"required": ["random"]}]}),
        Block("network.problem.spin_glass", "An SK spin glass", (
            Key("size", integer(2, MAX_SPIN_GLASS), "N spins", required=True),
            Key("seed", integer(0), "the couplings' own seed", 0),
        )),
        Block("network.problem.maxcut", "A graph", (
            Key("nodes", integer(2, MAX_NEURONS), "number of nodes", Words("1 + the largest node in an edge")),
            Key("edges", either(text(), list_of(list_of(integer(0, MAX_NEURONS - 1), min_items=2) | {"maxItems": 2})),
                "an edge-list file, or a list of pairs [i, j] (0-based)", required=True),
        )),
        Block("network.problem.rooks", "A board", (
            Key("n", integer(2, math.isqrt(MAX_NEURONS)), "the board's side", required=True),
        )),
        Block("dynamics", "How the neurons update (conventions.md)", (
            Key("schedule", choice(*(k.value for k in ScheduleKind)), "who wakes when", _DYNAMICS.schedule.value),
            Key("max_sweeps", integer(1, MAX_SWEEPS), "stop after max_sweeps·N wake-ups", _DYNAMICS.max_sweeps),
            Key("max_time", number(above=0.0), "stop before the first wake-up later than this simulated time"),
            Key("temperature", either(number(minimum=0.0), block("dynamics.temperature")),
                "T > 0: Glauber neurons; or an annealing schedule", _DYNAMICS.temperature),
            Key("delay", number(minimum=0.0), "transmission delay d", _DYNAMICS.delay),
            Key("refractory", number(minimum=0.0), "time before a neuron that flipped may flip again",
                _DYNAMICS.refractory),
            Key("rates", either(list_of(number(above=0.0)), block("dynamics.rates")),
                "poisson only: per-neuron clock rates", Words("all 1")),
            Key("neuron", choice(*(k.value for k in NeuronKind)),
                "binary ±1 neurons, or graded states in [−1, 1] (Hopfield 1984)", _DYNAMICS.neuron.value),
            Key("gain", number(above=0.0), "graded neurons: V = tanh(gain · h)", _DYNAMICS.gain),
        )),
        Block("dynamics.temperature", "Annealing: T from `from` to `to` over `sweeps` sweeps, then `to`", (
            Key("schedule", choice("linear", "geometric"), "how T falls", required=True),
            Key("from", number(minimum=0.0), "T at the start", required=True),
            Key("to", number(minimum=0.0), "T at the end", required=True),
            Key("sweeps", integer(1, MAX_ANNEALING_SWEEPS), "sweeps the schedule takes", required=True),
        )),
        Block("dynamics.rates", "Random clock rates", (
            Key("distribution", choice("lognormal"), "their distribution", required=True),
            Key("sigma", number(minimum=0.0), "σ of the lognormal", required=True),
        )),
        Block("trials[]", "A trial: a start (a cue with noise, a state, or a states file), repeated", (
            Key("cue", NAME, "start from this stored pattern (its target), or `all` for one trial per pattern"),
            Key("noise", block("trials[].noise"), "what is done to the start"),
            Key("repeats", integer(1, MAX_REPEATS), "runs, each with fresh noise and update order", 1),
            Key("state", either(choice("random"), text(), SPINS, block("trials[].state")),
                "a start state: a glyph block, a list, random, or a mixture of stored patterns"),
            Key("states_file", text(), "a pattern file of start states, one trial each"),
        ), {"not": {"required": ["state", "states_file"]}}),
        Block("trials[].state", "The sign of a sum of stored patterns (a tie takes the first pattern's entry)", (
            Key("mixture", list_of(NAME, min_items=2, unique=True), "the patterns, by name", required=True),
        )),
        Block("trials[].noise", "Noise on a start: give exactly one of flip, flip_fraction, flip_probability, mask", (
            Key("flip", integer(0), "flip exactly this many distinct neurons"),
            Key("flip_fraction", number(minimum=0.0, maximum=1.0), "flip round(f·N) distinct neurons"),
            Key("flip_probability", number(minimum=0.0, maximum=1.0), "flip each neuron alone with probability p"),
            Key("mask", number(minimum=0.0, maximum=1.0), "replace round(f·N) random neurons by `fill`"),
            Key("fill", choice(-1, 1, "random"), "what a mask writes", -1),
        ), {"oneOf": [{"required": [k]} for k in ("flip", "flip_fraction", "flip_probability", "mask")]}),
        Block("sweep", "A grid of runs", (
            Key("grid", names_to(list_of({})), "key path (or alpha) → list of values", required=True),
            Key("seeds", either(integer(1, MAX_SWEEP_POINTS), list_of(integer(0), unique=True)),
                "a count (seeds 0…n-1) or a list of seeds", Words("[0]")),
        )),
    )  # fmt: skip


def _property(key: Key) -> Schema:
    out: Schema = {**key.value, "description": key.doc}
    if _is_value(key):  # a default an editor can fill in (others, such as Words("all 1"), are described in words)
        out["default"] = key.default
    return out


def _is_value(key: Key) -> bool:
    default, kind = key.default, key.value.get("type")
    if default is NO_DEFAULT or isinstance(default, bool | Words):
        return False
    if isinstance(default, int | float):
        return kind in ("integer", "number") or default in key.value.get("enum", ())
    return kind == "string" or default in key.value.get("enum", ())


def _object(b: Block) -> Schema:
    out: Schema = {
        "type": "object",
        "description": b.doc,
        "properties": {k.name: _property(k) for k in b.keys},
        "additionalProperties": False,
    }
    required = [k.name for k in b.keys if k.required]
    if required:
        out["required"] = required
    return {**out, **b.rules}


BLOCKS: dict[str, Block] = {b.path: b for b in _blocks()}


def of(path: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The keys the block at `path` allows, in order, and those it requires (for `Entry.mapping`)."""
    if path == "network.learning":  # every parameter any rule takes; which rule takes which is the registry's
        return ("rule", *parameter_names()), ("rule",)
    found = BLOCKS[path]
    return tuple(k.name for k in found.keys), tuple(k.name for k in found.keys if k.required)


#: The schema's file among the bundled scenarios, which name it in their first line for YAML editors.
SCHEMA_FILE = "scenario.schema.json"
#: That first line (yaml-language-server's modeline; the path is relative to the scenario).
MODELINE = f"# yaml-language-server: $schema={SCHEMA_FILE}"


def schema_text() -> str:
    """The JSON Schema as `neurosim schema` prints it and the bundled scenarios' schema file holds it."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def json_schema() -> Schema:
    """The JSON Schema of a scenario file, generated from BLOCKS."""
    top = _object(BLOCKS[""])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "neurosim scenario",
        **top,
        "$defs": {path: _object(b) for path, b in BLOCKS.items() if path},
    }


def _shown_bound(value: float) -> str:
    if isinstance(value, int) and value >= 2**20 and value & (value - 1) == 0:
        return f"2^{value.bit_length() - 1}"
    if isinstance(value, int) and value == MAX_INTEGER:
        return "2^63 − 1"
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def describe(value: Schema) -> str:
    """A schema fragment in words, for the reference table."""
    if "$ref" in value:
        return f"mapping (`{value['$ref'].rsplit('/', 1)[1]}`)"
    if "enum" in value:
        return " \\| ".join(f"`{v}`" for v in value["enum"])
    if "anyOf" in value:
        return " or ".join(describe(v) for v in value["anyOf"])
    if "oneOf" in value:
        return "`{rule: NAME, PARAMETER: value, …}`"
    kind = value.get("type")
    if kind == "integer":
        return f"integer {_shown_bound(value['minimum'])}…{_shown_bound(value['maximum'])}"
    if kind == "number":
        low = f"≥ {_shown_bound(value['minimum'])}" if "minimum" in value else ""
        low = f"> {_shown_bound(value['exclusiveMinimum'])}" if "exclusiveMinimum" in value else low
        if "maximum" in value:
            return f"number {_shown_bound(value.get('minimum', 0))}…{_shown_bound(value['maximum'])}"
        return f"number {low}".strip()
    if kind == "string":
        return "text"
    if kind == "array":
        return f"list of {describe(value['items'])}"
    if kind == "object":
        return f"NAME → {describe(value['additionalProperties'])}"
    if isinstance(kind, list):
        return "a name"
    return "any value"


def _default(key: Key) -> str:
    if key.required:
        return "required"
    if key.default is NO_DEFAULT:
        return "none"
    return str(key.default) if isinstance(key.default, Words) else f"`{key.default}`"


def reference_table() -> str:
    """Every key of the format as a Markdown table (docs/scenarios.md), from BLOCKS and the learning registry."""
    lines = ["| key | value | default | meaning |", "|---|---|---|---|"]
    for path, b in BLOCKS.items():
        for k in b.keys:
            where = f"{path}.{k.name}" if path else k.name
            lines.append(f"| `{where}` | {describe(k.value)} | {_default(k)} | {k.doc} |")
        if path == "network":
            lines.append("| `network.learning.PARAMETER` | see the learning rules' table | | a rule's parameters |")
    return "\n".join(lines) + "\n"
