"""`accord scenario generate`: write a synthetic multi-country scenario with ground truth."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from accord.errors import FieldError, ValidationError

from .common import console, new_app, rich_console, say, table

__all__ = ["VARIATION_DEFAULTS", "app", "generate"]

app = new_app("Synthetic multi-country data whose truth is known (see docs/scenario.md).")


class _Defaults:
    """The generator's default variation rates, shown in `--help` without importing the
    generator (tests/scenario/test_cli.py keeps them equal to `accord.scenario.Variation()`)."""

    transliteration = 0.35
    equivalent_name = 0.05
    name_order = 0.08
    drop_middle = 0.35
    typo = 0.04
    alias = 0.08
    native_script = 0.25
    dob_day_month_swap = 0.03
    dob_year_off = 0.02
    dob_year_only = 0.05
    dob_missing = 0.04
    identifier_format = 0.2


_V = _Defaults
VARIATION_DEFAULTS = {k: v for k, v in vars(_Defaults).items() if not k.startswith("_")}


@app.callback()
def scenario() -> None:
    """Synthetic multi-country scenarios with ground truth."""


def _epoch(value: str | None) -> datetime:
    from accord.scenario import DEFAULT_EPOCH

    if value is None:
        return DEFAULT_EPOCH
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(FieldError("epoch", f"{value!r} is not an ISO 8601 date")) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@app.command()
def generate(
    seed: Annotated[int, typer.Option(help="Seed: same seed and options, same bytes.")] = 1,
    persons: Annotated[int, typer.Option(help="Real people in the world.")] = 1000,
    out: Annotated[Path, typer.Option(help="Output directory.", file_okay=False)] = Path(
        "scenario"
    ),
    agencies: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated agency codes (CC-NAME) to play (default: the catalogue's "
            "default set; see docs/scenario.md)."
        ),
    ] = None,
    epoch: Annotated[
        str | None,
        typer.Option(help="The date the world is generated as of (ISO 8601); records predate it."),
    ] = None,
    storylines: Annotated[bool, typer.Option(help="Include the labelled storylines.")] = True,
    workers: Annotated[
        int, typer.Option(min=1, help="Processes generating in parallel (same output).")
    ] = 1,
    cross_border: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Chance a foreign police agency knows a person.")
    ] = 0.08,
    home_coverage: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Chance the police where one lives does.")
    ] = 0.85,
    reported_documents: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Share of documents reported stolen/lost/revoked."),
    ] = 0.01,
    suspicious_activity: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of businesses reported to an FIU.")
    ] = 0.3,
    transliteration: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Foreign-script name spelled by another standard than the passport's.",
        ),
    ] = _V.transliteration,
    equivalent_name: Annotated[
        float,
        typer.Option(
            min=0.0, max=1.0, help="Given name replaced by its equivalent in another language."
        ),
    ] = _V.equivalent_name,
    name_order: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Given and family name swapped between the fields."),
    ] = _V.name_order,
    drop_middle: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Middle names, patronymic or father's name left out."),
    ] = _V.drop_middle,
    typo: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="One slip of the keyboard, ear or OCR in a name."),
    ] = _V.typo,
    alias: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="An alias (nickname, everyday name, kunya) recorded."),
    ] = _V.alias,
    native_script: Annotated[
        float,
        typer.Option(
            min=0.0, max=1.0, help="A foreign agency also records the name in its own script."
        ),
    ] = _V.native_script,
    dob_day_month_swap: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Birth date with day and month swapped.")
    ] = _V.dob_day_month_swap,
    dob_year_off: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Birth year off by one.")
    ] = _V.dob_year_off,
    dob_year_only: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Only the birth year recorded.")
    ] = _V.dob_year_only,
    dob_missing: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="No birth date recorded.")
    ] = _V.dob_missing,
    identifier_format: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Identifier in a non-canonical layout (IBAN in groups, plate run together).",
        ),
    ] = _V.identifier_format,
) -> None:
    """Write one FtM JSON-lines file per agency, truth.jsonl and manifest.json into OUT.

    The variation rates (--typo, --transliteration, ...) are probabilities per person record;
    docs/scenario.md says what each one does."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from accord.scenario import ScenarioOptions, Variation, default_agencies, write_scenario

    codes = default_agencies() if agencies is None else agencies.split(",")
    try:
        options = ScenarioOptions(
            seed=seed,
            persons=persons,
            agencies=tuple(a.strip() for a in codes if a.strip()),
            epoch=_epoch(epoch),
            variation=Variation(
                transliteration=transliteration,
                equivalent_name=equivalent_name,
                name_order=name_order,
                drop_middle=drop_middle,
                typo=typo,
                alias=alias,
                native_script=native_script,
                dob_day_month_swap=dob_day_month_swap,
                dob_year_off=dob_year_off,
                dob_year_only=dob_year_only,
                dob_missing=dob_missing,
                identifier_format=identifier_format,
            ),
            cross_border=cross_border,
            home_coverage=home_coverage,
            reported_documents=reported_documents,
            suspicious_activity=suspicious_activity,
            storylines=storylines,
        )
        options.validate()
    except ValidationError as exc:
        for e in exc.errors:
            say((e.field, "red"), f": {e.reason}", stderr=True)
        raise typer.Exit(code=2) from None
    columns = (
        TextColumn("persons", style="bold", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=rich_console(), transient=True) as bar:
        task = bar.add_task("generate", total=persons)
        manifest = write_scenario(
            options, out, lambda n: bar.update(task, completed=n), workers=workers
        )
    written = table(f"Scenario seed {seed}: {manifest['persons']:,} persons in {out}")
    written.add_column("agency")
    written.add_column("file")
    written.add_column("records", justify="right")
    for code, info in manifest["agencies"].items():
        written.add_row(code, info["file"], f"{info['records']:,}")
    written.add_row(
        "truth", manifest["truth"]["file"], f"{sum(manifest['truth']['rows'].values()):,}"
    )
    console.print(written)
