"""The report of ``cegrad derive``: every step checked, the errata, the slips of notation and the law map
(text, json, or markdown: docs/derivation.md, which cegrad's reports cite; the command's options are in
properties/grader/cli.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from properties.derive.cases import (
    ANY_LABEL,
    PINNED_CASES,
    drawn_cases,
)
from properties.derive.evaluation import (
    StepResult,
    evaluate,
    law_map,
)
from properties.derive.steps import (
    NOTATION_SLIPS,
    STEPS,
    Step,
)

# --------------------------------------------------------------------------------------------------
# The report (cegrad derive; its options are in properties/grader/cli.py)
# --------------------------------------------------------------------------------------------------

HEADER = ("cegrad derive: the seed's derivation of dCE/dU, eqs. (1)-(24), "
          "on {n} cases ({pinned} pinned, {drawn} drawn by Hypothesis)")
COLUMNS = " eq.  written  corrected  statement"
ERRATUM_LINE = "        erratum: {note}"
EXPOSED_LINE = "        fails as written on {case}"
PREMISE_LINE = "        (claimed for {premise})"
ERRATA_HEADER = "Errata: {n}"
NOTATION_HEADER = "Slips of notation (no numeric effect once read as corrected):"
LAW_MAP_HEADER = "Equations and the laws that check them:"
NO_LAWS = "(the law registry properties.laws.LAWS is not available)"
UNCHECKED = "-"
VERDICT_OK = "Every corrected step holds."
VERDICT_FAIL = "Corrected steps that do not hold: {eqs}"
YES, NO = "✓", "✗"


def _text(results: Sequence[StepResult], steps: Sequence[Step], laws: dict[int, tuple[str, ...]],
          n_pinned: int, n_drawn: int) -> str:
    premises = {s.equation: s.premise for s in steps}
    lines = [HEADER.format(n=n_pinned + n_drawn, pinned=n_pinned, drawn=n_drawn), "", COLUMNS]
    for r in results:
        mark = (YES if r.holds_as_written else NO, YES if r.holds_corrected else NO)
        lines.append(f"({r.equation:>2})    {mark[0]}        {mark[1]}      {r.statement}")
        if premises.get(r.equation, ANY_LABEL) != ANY_LABEL:
            lines.append(PREMISE_LINE.format(premise=premises[r.equation]))
        if r.note:
            lines.append(ERRATUM_LINE.format(note=r.note))
        if r.exposed_by:
            lines.append(EXPOSED_LINE.format(case=r.exposed_by))
    errata = [r for r in results if r.is_erratum]
    lines += ["", ERRATA_HEADER.format(n=len(errata))]
    lines += [f"  eq. ({r.equation}): {r.note}" for r in errata]
    lines += ["", NOTATION_HEADER]
    lines += [f"  eq. ({n}): {text}" for n, text in NOTATION_SLIPS]
    lines += ["", LAW_MAP_HEADER]
    if not laws:
        lines.append("  " + NO_LAWS)
    for n, names in laws.items():
        lines.append(f"  ({n:>2})  {', '.join(names) or UNCHECKED}")
    failing = [str(r.equation) for r in results if not r.holds_corrected]
    lines += ["", VERDICT_FAIL.format(eqs=", ".join(failing)) if failing else VERDICT_OK]
    return "\n".join(lines)


MARKDOWN_TITLE = "# The derivation of dCE/dU, eqs. (1)–(24)"
MARKDOWN_INTRO = (
    "The equation numbers in every cegrad report refer to this page. It is generated, not written: "
    "`cegrad derive --format markdown > docs/derivation.md` executes each step of the hand derivation "
    "on {n} cases ({pinned} pinned, {drawn} drawn by Hypothesis, derandomized) and prints it as below; "
    "`cegrad derive` prints the same steps for a terminal. A step marked *erratum* is printed wrongly "
    "in the original hand derivation; its corrected form is the one that holds and the one the laws "
    "use.\n\nNotation: U is W×d with rows u_w, v_c has d entries, z = U v_c, ŷ = softmax(z), "
    "y a label vector (one-hot at the target o for the loss CE = −log ŷ_o)."
)
MARKDOWN_OUTSIDE = "## Laws outside the derivation, and what they rest on"


def _markdown(results: Sequence[StepResult], steps: Sequence[Step], laws: dict[int, tuple[str, ...]],
              n_pinned: int, n_drawn: int) -> str:
    premises = {s.equation: s.premise for s in steps}
    lines = [MARKDOWN_TITLE, "", MARKDOWN_INTRO.format(n=n_pinned + n_drawn, pinned=n_pinned, drawn=n_drawn), "",
             "## The steps", "", "| eq. | statement as printed (an erratum says what it should read) | holds | checked by |",
             "|---|---|---|---|"]
    for r in results:
        claim = "" if premises.get(r.equation, ANY_LABEL) == ANY_LABEL else f" *(for {premises[r.equation]})*"
        erratum = f" **Erratum:** {r.note}." if r.note else ""
        holds = ("as written" if r.holds_as_written else "once corrected") if r.holds_corrected else "**no**"
        checked = ", ".join(f"`{n}`" for n in laws.get(r.equation, ())) or UNCHECKED
        lines.append(f"| ({r.equation}) | {r.statement}{claim}{erratum} | {holds} | {checked} |")
    lines += ["", "## Slips of notation (no numeric effect once read as corrected)", ""]
    lines += [f"- eq. ({n}): {text}" for n, text in NOTATION_SLIPS]
    outside = _laws_outside()
    if outside:
        lines += ["", MARKDOWN_OUTSIDE, ""]
        lines += [f"- `{name}` ({basis}): {why}" for name, basis, why in outside]
    failing = [str(r.equation) for r in results if not r.holds_corrected]
    lines += ["", VERDICT_FAIL.format(eqs=", ".join(failing)) if failing else VERDICT_OK]
    return "\n".join(lines)


def _laws_outside() -> list[tuple[str, str, str]]:
    """(name, basis, why) of the laws that cite no equation of the derivation."""
    try:
        from properties.laws import LAWS
    except ImportError:  # the registry is optional here
        return []
    return [(law.name, law.equation_text, law.why) for law in LAWS if not law.equations]


def run(output_format: str = "text", seed: int | None = None, steps: Sequence[Step] = STEPS) -> bool:
    """Print the derivation checked step by step (``cegrad derive``); True when every corrected step holds."""
    drawn = drawn_cases(seed=seed)
    results = evaluate(steps, PINNED_CASES + drawn)
    laws = law_map()
    if output_format == "json":
        print(json.dumps({
            "steps": [r.to_json() for r in results],
            "errata": [{"equation": r.equation, "note": r.note, "holds_as_written": r.holds_as_written}
                       for r in results if r.is_erratum],
            "notation": [{"equation": n, "note": text} for n, text in NOTATION_SLIPS],
            "law_map": {str(n): list(names) for n, names in laws.items()},
            "cases": {"pinned": len(PINNED_CASES), "drawn": len(drawn), "seed": seed},
        }, indent=2))
    elif output_format == "markdown":
        print(_markdown(results, steps, laws, len(PINNED_CASES), len(drawn)))
    else:
        print(_text(results, steps, laws, len(PINNED_CASES), len(drawn)))
    return all(r.holds_corrected for r in results)
