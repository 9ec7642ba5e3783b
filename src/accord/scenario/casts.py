"""How many persons each storyline casts: a leaf that the options can check against without
importing the storylines themselves (which build on the options)."""

from __future__ import annotations

__all__ = [
    "CYBER_PERSONS",
    "DOCUMENT_PERSONS",
    "FUGITIVE_PERSONS",
    "MISSING_PERSONS",
    "STORY_PERSONS",
    "THB_PERSONS",
    "VISA_PERSONS",
]

THB_PERSONS = 11
CYBER_PERSONS = 9
VISA_PERSONS = 12
MISSING_PERSONS = 1
FUGITIVE_PERSONS = 2
DOCUMENT_PERSONS = 3

#: Persons the storylines add to the world.
STORY_PERSONS = (
    THB_PERSONS
    + CYBER_PERSONS
    + VISA_PERSONS
    + MISSING_PERSONS
    + FUGITIVE_PERSONS
    + DOCUMENT_PERSONS
)
