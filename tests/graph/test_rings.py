"""Rings: applications sharing phones, photographs and addresses, ranked above a household."""

from __future__ import annotations

from accord.graph import rings
from tests.graph.factories import graph_of, ids, rec


def visa_ring():  # type: ignore[no-untyped-def]
    out = [rec("Address", "addr", full="Hauptstraße 1, 10115 Berlin")]
    for i in range(4):
        out.append(rec("Person", f"app{i}", name=f"Applicant {i}"))
        out.append(
            rec(
                "Event",
                f"visa{i}",
                name=f"visa application {i}",
                involved=f"app{i}",
                phoneMentioned="+4915112345678" if i % 2 else "+4915187654321",
                addressEntity="addr",
            )
        )
        out.append(
            rec(
                "Image",
                f"photo{i}",
                pictured=f"app{i}",
                contentHash="ab" * 20 if i < 3 else "cd" * 20,
            )
        )
    # A household: two people at one address, related by a family record.
    out += [
        rec("Person", "h1", name="H One", address="Elm Street 5 Springfield"),
        rec("Person", "h2", name="H Two", address="Elm Street 5 Springfield"),
        rec("Person", "h3", name="H Three", address="Elm Street 5 Springfield"),
        rec("Family", "fam", person="h1", relative="h2"),
        rec("Family", "fam2", person="h1", relative="h3"),
    ]
    return graph_of(*out)


def test_records_sharing_identifiers_form_one_ring_with_the_persons_behind_them() -> None:
    g = visa_ring()
    top = rings(g)[0]
    assert ids(g, top.persons) == {f"app{i}" for i in range(4)}
    assert {f"visa{i}" for i in range(4)} <= ids(g, top.records)
    assert {k for k, _ in top.hubs} == {"phone", "address", "file_hash"}
    assert top.unrelated == 1.0


def test_a_ring_of_strangers_ranks_above_a_related_household() -> None:
    g = visa_ring()
    found = rings(g)
    assert [ids(g, r.persons) for r in found][-1] == {"h1", "h2", "h3"}
    assert found[0].score > found[-1].score and found[-1].unrelated == 0.0


def test_rings_can_be_asked_for_one_kind_of_identifier() -> None:
    g = visa_ring()
    (ring,) = rings(g, kinds=["file_hash"])
    assert ids(g, ring.records) == {"photo0", "photo1", "photo2", "app0", "app1", "app2"}
