"""One self-contained HTML report of a run directory: tables, the scenario text and embedded figures.

The report needs nothing but the run directory and is a single file: figures
are PNG data inside `<img>` tags, the style sheet is inline, and nothing is
fetched when it is opened.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neurosim.analysis.trials import describe_final, select_trials
from neurosim.results import Ending, recall_tally
from neurosim.rundir import (
    EVENTS_FILE,
    FORMAT_KEY,
    REPORT_FILE,
    SCENARIO_FILE,
    SUMMARY_FILE,
    SWEEP_FILE,
    RunRecord,
    TrialRecord,
    parameter_columns,
    read_run,
    read_sweep,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: summary.json keys shown elsewhere than in the settings table (or bookkeeping: the format version).
_NOT_SETTINGS = frozenset({"trials", "stored_patterns", "recall_rate", "table", FORMAT_KEY})
_TRIAL_COLUMNS = (
    "trial",
    "cue",
    "rep",
    "flipped",
    "status",
    "sweeps",
    "flips",
    "energy",
    "recalled",
    "hamming",
    "ending",
)
_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #202020; }
h1 { margin-bottom: 0.2em; } .meta { color: #606060; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #d0d0d0; padding: 0.2em 0.6em; text-align: left; }
th { background: #f0f0f0; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.hit td:first-child { border-left: 4px solid #55a868; } tr.miss td:first-child { border-left: 4px solid #c44e52; }
.rate { font-size: 1.4em; } figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #e0e0e0; }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(28em, 1fr)); gap: 1em; }
figcaption { color: #606060; font-size: 0.9em; } pre { background: #f6f6f6; padding: 1em; overflow-x: auto; }
"""


def write_report(
    run_dir: str | Path,
    out_path: str | Path | None = None,
    *,
    trials: Sequence[int] | None = None,
    figures: bool = True,
    overwrite: bool = False,
) -> Path:
    """Write the report (default: RUN_DIR/report.html) and return its path; an existing file needs `overwrite`.

    `trials` chooses the trials that get figures (default: `select_trials`);
    `figures=False` leaves all figures out (no matplotlib needed).
    """
    run = read_run(run_dir)
    target = run.path / REPORT_FILE if out_path is None else Path(out_path)
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass overwrite=True (--force) to replace it")
    text = render_report(run, trials=trials, figures=figures)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w" if overwrite else "x", encoding="utf-8") as out:
        out.write(text)
    return target


def render_report(run: RunRecord, *, trials: Sequence[int] | None = None, figures: bool = True) -> str:
    """The report as one HTML document."""
    title = f"neurosim report: {run.name}"
    meta = " · ".join(
        escape(str(v))
        for v in (run.run_id, run.run_started.get("started_at"), f"status {run.summary.get('status', '?')}")
        if v
    )
    sweep = run.sweep_csv
    if sweep is not None:
        body = _sweep_sections(run, sweep, figures)
    else:
        body = [_recall_section(run), *(_figure_sections(run, trials) if figures else []), _trials_section(run)]
    sources = f"{EVENTS_FILE}, {SUMMARY_FILE}" + (f" and {SWEEP_FILE}" if sweep is not None else "")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(run.name)}</h1>",
        f'<p class="meta">{meta}</p>',
        *body,
        _settings_section(run),
        _events_section(run),
        _scenario_section(run),
        f'<p class="meta">Made from {escape(str(run.path))}: {sources}.</p>',
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _recall_section(run: RunRecord) -> str:
    tally = recall_tally(run.trials)
    if tally.rate is not None:
        rate = f"recall rate: {tally} = {tally.rate:.3f}"
    else:
        rate = "no trial has a target: no recall rate"
    started = run.event_counts.get("trial_started", 0)
    unfinished = started - len(run.trials)
    note = f" ({unfinished} of {started} trials did not finish)" if unfinished > 0 else ""
    return f'<h2 id="recall">Recall</h2>\n<p class="rate">{escape(rate)}{escape(note)}</p>'


def _img(fig: Figure, alt: str, caption: str) -> str:
    from neurosim.analysis.figures import figure_png  # noqa: PLC0415 - matplotlib is the optional `plots` extra

    data = base64.b64encode(figure_png(fig)).decode("ascii")
    fig.clear()  # the PNG is all that is kept
    return (
        f'<figure><img alt="{escape(alt)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def _figure_sections(run: RunRecord, trials: Sequence[int] | None) -> list[str]:
    from neurosim.analysis import plots  # noqa: PLC0415 - matplotlib is the optional `plots` extra

    if not run.trials:
        return []
    chosen = select_trials(run) if trials is None else list(trials)
    out = [
        '<h2 id="run-figures">Outcomes and energies</h2>',
        _img(plots.outcomes_figure(run), "outcomes", "How the trials of each cue ended."),
        _img(plots.energies_figure(run), "energies", "Energy against simulated time, every trial."),
    ]
    for k in chosen:
        t = run.trial(k)
        out.append(f'<h2 id="trial-{k}">Trial {k}: cue {escape(t.cue or "-")}, {escape(describe_final(t))}</h2>')
        out.append(_img(plots.recall_figure(run, k), f"trial {k} recall", _recall_caption(run)))
        pair = [_img(plots.raster_figure(run, k), f"trial {k} raster", "Every flip: neuron against time.")]
        if run.patterns:
            pair.append(
                _img(plots.overlap_figure(run, k), f"trial {k} overlaps", "Overlap with each known stored pattern.")
            )
        out.append('<div class="pair">' + "".join(pair) + "</div>")
    return out


def _sweep_sections(run: RunRecord, csv_path: Path, figures: bool) -> list[str]:
    header, rows = read_sweep(csv_path)
    parameters = [str(p) for p in run.summary.get("parameters", [])] or parameter_columns(header)
    points = len({r.get("point") for r in rows})
    out = [
        '<h2 id="sweep">Sweep</h2>',
        f'<p class="rate">{len(rows)} trials at {points} points; swept: {escape(", ".join(parameters))}</p>',
    ]
    if figures:
        # reading a sweep needs no matplotlib; drawing its curves does
        from neurosim.analysis.recall_curve import recall_curve_figure  # noqa: PLC0415 - only sweeps need it

        for parameter in parameters:
            fig = recall_curve_figure(csv_path, parameter, title=run.name)
            out.append(_img(fig, f"recall against {parameter}", f"Rates against {parameter}; bars: standard error."))
    table = run.summary.get("table")
    if isinstance(table, list) and table and all(isinstance(r, dict) for r in table):
        columns = list(dict.fromkeys(k for r in table for k in r))
        out.append("<table><tr>" + "".join(f"<th>{escape(str(c))}</th>" for c in columns) + "</tr>")
        for r in table:
            cells = "".join(_cell(_format(r.get(c)), isinstance(r.get(c), int | float)) for c in columns)
            out.append(f'<tr class="sweep-row">{cells}</tr>')
        out.append("</table>")
    return out


def _recall_caption(run: RunRecord) -> str:
    source = {
        "summary": "Stored patterns, start, final state and target",
        "recalled": "Patterns known from recalled final states, start, final state and target",
        "none": "Start and final state"
        + (f" ({SUMMARY_FILE} records no stored patterns)" if run.pattern_names else ""),
    }[run.pattern_source]
    return source + "; beside them the energy after each flip."


def _cell(value: str, numeric: bool = False) -> str:
    return f'<td class="num">{escape(value)}</td>' if numeric else f"<td>{escape(value)}</td>"


def _trial_row(t: TrialRecord, ending: Ending, measure: bool) -> str:
    s = t.summary
    flipped, hamming = s.get("flipped"), s.get("hamming")
    cells = [
        _cell(str(t.trial), True),
        _cell(t.cue or "-"),
        _cell(str(t.repeat), True),
        _cell("-" if flipped is None else str(flipped), True),
        _cell(t.status + (f" ({s['period']})" if s.get("period") else "")),
        _cell(f"{float(s.get('sweeps', 0.0)):.2f}", True),
        _cell(str(t.flips), True),
        _cell(f"{t.energy_initial:.4g} → {float(s.get('energy_final', t.energies[-1])):.4g}", True),
        _cell(t.recalled or "-"),
        _cell("-" if hamming is None else str(hamming), True),
        _cell(ending),
    ]
    if measure:
        cells.append(_cell(_format(s.get("measure"))))
    kind = "" if t.cue is None else (" hit" if t.success else " miss")
    return f'<tr class="trial{kind}">' + "".join(cells) + "</tr>"


def _trials_section(run: RunRecord) -> str:
    measure = any(t.summary.get("measure") for t in run.trials)  # what an optimisation problem's run scores
    head = "".join(f"<th>{c}</th>" for c in (*_TRIAL_COLUMNS, *(["measure"] if measure else [])))
    rows = [_trial_row(t, t.ending, measure) for t in run.trials]
    return "\n".join(['<h2 id="trials">Trials</h2>', f"<table><tr>{head}</tr>", *rows, "</table>"])


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_format(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return (
            " × ".join(map(str, value))
            if len(value) == 2 and all(isinstance(v, int) for v in value)
            else ", ".join(map(str, value))
        )
    return "-" if value is None else str(value)


def _settings_section(run: RunRecord) -> str:
    settings: dict[str, Any] = {k: v for k, v in run.summary.items() if k not in _NOT_SETTINGS}
    for key in ("run_id", "reproducible", "started_at"):
        if key in run.run_started:
            settings[key] = run.run_started[key]
    if run.run_finished is not None and "elapsed_s" in run.run_finished:
        settings["elapsed_s"] = run.run_finished["elapsed_s"]
    if run.trials:
        settings["stored patterns known"] = {
            "summary": f"all ({SUMMARY_FILE})",
            "recalled": "those recalled by some trial: " + ", ".join(run.patterns),
            "none": "none",
        }[run.pattern_source]
    rows = [f'<tr class="setting"><th>{escape(k)}</th>{_cell(_format(v))}</tr>' for k, v in settings.items()]
    return "\n".join(['<h2 id="settings">Settings</h2>', "<table>", *rows, "</table>"])


def _events_section(run: RunRecord) -> str:
    rows = [
        f'<tr class="event-count"><td>{escape(k)}</td>{_cell(str(n), True)}</tr>' for k, n in run.event_counts.items()
    ]
    total = sum(run.event_counts.values())
    return "\n".join(
        [
            '<h2 id="events">Events</h2>',
            "<table><tr><th>event</th><th>count</th></tr>",
            *rows,
            f"<tr><th>all</th>{_cell(str(total), True)}</tr></table>",
        ]
    )


def _scenario_section(run: RunRecord) -> str:
    if run.scenario_text is None:
        return f'<h2 id="scenario">Scenario</h2>\n<p class="meta">The run directory keeps no {SCENARIO_FILE}.</p>'
    return f'<h2 id="scenario">Scenario</h2>\n<pre class="scenario">{escape(run.scenario_text)}</pre>'
