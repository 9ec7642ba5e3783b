"""The scenario as a stream: storylines first, then the background population unit by unit.

`generate(options)` yields `Line` (an ingest line for one agency), `Truth` (a row of
truth.jsonl) and `Progress` events. Every unit of the world (a storyline, a household, a
business) is generated from its own random stream with its own record-id counters, so its
output does not depend on the units before it: memory stays flat however many persons are
asked for, and units can be generated in parallel (see `writer`) with the same result.
"""

from __future__ import annotations

from collections.abc import Iterator

from accord.scenario.background import MAX_UNIT, unit
from accord.scenario.context import Context
from accord.scenario.options import ScenarioOptions
from accord.scenario.rng import stream
from accord.scenario.sink import Event, Progress, Sink
from accord.scenario.stories import STORIES, Story

__all__ = ["generate", "story_events", "unit_events"]


def story_events(ctx: Context, index: int) -> tuple[int, list[Event]]:
    """Storyline number `index`: the persons it adds and its events."""
    key, kind, title, plot = STORIES[index]
    ctx.begin(key)
    sink = Sink(ctx.seed, key)
    story = Story(ctx, sink, key, kind, title)
    plot(story)
    story.finish()
    return ctx.persons_in_scope, sink.drain()


def unit_events(ctx: Context, n: int, remaining: int | None = None) -> tuple[int, list[Event]]:
    """Background unit `n`: the persons it adds and its events. `remaining` caps its size
    (only the last unit of a world needs it)."""
    scope = f"{n:08d}"
    ctx.begin(scope)
    sink = Sink(ctx.seed, scope)
    persons = unit(
        ctx, sink, stream(ctx.seed, "unit", n), MAX_UNIT if remaining is None else remaining
    )
    return persons, sink.drain()


def generate(options: ScenarioOptions) -> Iterator[Event]:
    """Every line, truth row and progress mark of the scenario, in a fixed order."""
    ctx = Context(options)
    total = 0
    if options.storylines:
        for i in range(len(STORIES)):
            persons, events = story_events(ctx, i)
            total += persons
            yield from events
            yield Progress(total)
    n = 0
    while total < options.persons:
        persons, events = unit_events(ctx, n)
        if total + persons > options.persons:
            persons, events = unit_events(ctx, n, options.persons - total)
        total += persons
        n += 1
        yield from events
        yield Progress(total)
