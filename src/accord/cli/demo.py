"""`accord demo`: three agencies' nodes as separate processes over mutual TLS, playing a
cross-border case told in an analyst's words, with the disclosures proved from both ledgers
(the ledger detail with `--verbose`). Each node gets a demo user to log in as; `accord demo
totp` shows that user's current code, on demo nodes only."""

from __future__ import annotations

import json
import secrets
import shlex
import shutil
import signal
import sys
import time
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from accord.errors import Forbidden

from .common import Group, console, say, table

if TYPE_CHECKING:
    from accord.cli.cluster import LocalNode
    from accord.model import Principal
    from accord.services.federation import FederatedResult
    from accord.services.node import Node

__all__ = ["app", "demo", "totp"]

app = typer.Typer(
    help="Three agencies' nodes play a cross-border case over mutual TLS.",
    cls=Group,
    invoke_without_command=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

MEMBERS = [
    ("DE-BKA", "Bundeskriminalamt"),
    ("NL-POLITIE", "Politie Nederland"),
    ("UA-NPU", "National Police of Ukraine"),
]
EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "agreements"
SEED = 20261122
#: The demo user of every node, and the roles it holds (enough to play every part).
DEMO_USER = "demo"
DEMO_ROLES = ["analyst", "investigator", "liaison_officer", "auditor"]
#: Marks a node home as the demo's: `accord demo totp` refuses any other.
DEMO_MARKER = "demo-node.json"
#: Follow-up steps in the ledger, in the order they happen.
STEP_ORDER = (
    "requested",
    "delivered",
    "received",
    "decided",
    "outcome_delivered",
    "outcome_received",
    "refused",
    "outcome_refused",
)


def _agreement_paths() -> list[Path]:
    packaged = resources.files("accord.data").joinpath("agreements")
    if packaged.is_dir():
        return sorted(Path(str(p)) for p in packaged.iterdir() if p.name.endswith(".yaml"))
    return sorted(EXAMPLES.glob("*.yaml"))


def _step(title: str, text: str) -> None:
    console.print()
    say((title, "bold"))
    say(text)


def _ledger(node: Node) -> list[dict[str, Any]]:
    from accord.services import audit

    size = audit.tree_head(node).head.size
    out: list[dict[str, Any]] = []
    for start in range(0, size, 1000):
        out.extend(
            json.loads(e["payload"]) for e in audit.entries(node, start, min(size, start + 1000))
        )
    return out


def _candidates(truth: Path) -> list[tuple[str, str, str | None]]:
    """(storyline person key, name, birth date) of people the truth says DE, NL and UA all
    hold; those whose own script is Cyrillic first (the search shows matching across
    scripts)."""
    found: list[tuple[str, str, str | None]] = []
    scripts: dict[str, str] = {}
    with truth.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row.get("type") != "identity" or row.get("schema") != "Person":
                continue
            owners = {r["owner"] for r in row.get("records", [])}
            if {"DE-BKA", "NL-POLITIE", "UA-NPU"} <= owners:
                found.append(
                    (row["key"], row.get("latin_name") or row["name"], row.get("birth_date"))
                )
                scripts[row["key"]] = row.get("script") or "Latn"
    found.sort(key=lambda k: (scripts[k[0]] != "Cyrl", not k[0].startswith("person/thb"), k[0]))
    return found


def _modes(result: FederatedResult) -> dict[str, set[str]]:
    return {p.agency: {i["mode"] for i in p.items} for p in result.partners if p.status == "hits"}


def _demo_user(node: Node) -> Principal:
    """The node's demo user as the services see a logged-in user."""
    from accord.model import Principal, PrincipalKind
    from accord.services.users import list_users

    found = next(u for u in list_users(node) if u.username == DEMO_USER)
    return Principal(found.username, found.agency, PrincipalKind.USER, frozenset(found.roles))


def _name(record: dict[str, Any]) -> str:
    return "; ".join(record.get("properties", {}).get("name", [])) or record.get("id", "?")


def _wait(check: Any, timeout: float = 30.0) -> bool:
    from accord.errors import NotFound

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except NotFound:
            pass
        time.sleep(0.3)
    return False


def _play(root: Path, nodes: list[LocalNode], expect: Any, verbose: bool) -> str | None:
    """The story; returns the name searched for."""
    from accord.services import audit
    from accord.services.federation import PartnerQuery, federated_search
    from accord.services.followup import get_follow_up, request_follow_up
    from accord.services.followup_owner import decide_follow_up
    from accord.services.purpose import parse_purpose

    de, nl, ua = (n.open() for n in nodes)
    analyst, officer = _demo_user(de), _demo_user(ua)
    purpose = parse_purpose("investigation", "BKA-2026-0042 trafficking ring", "thb")

    # The search: a storyline suspect whom all three agencies know.
    chosen: tuple[str, FederatedResult] | None = None
    for _key, name, born in _candidates(root / "scenario" / "truth.jsonl"):
        # What the analyst knows: the name as DE-BKA writes it, and the birth date.
        described = {"name": [name], **({"birthDate": [born]} if born else {})}
        result = federated_search(de, analyst, PartnerQuery(None, "Person", described), purpose)
        modes = _modes(result)
        if "full" in modes.get("NL-POLITIE", set()) and "reference" in modes.get("UA-NPU", set()):
            chosen = (name, result)
            break
    expect(chosen is not None, "a suspect with a full hit at NL-POLITIE and a reference at UA-NPU")
    if chosen is None:
        return None
    name, result = chosen
    _step(
        "3. The search",
        f"A DE-BKA analyst working case BKA-2026-0042 (human trafficking) searches for "
        f"{name}" + (f", born {born}," if born else "") + " at home and at every partner at once.",
    )
    found = table(None, "where", "what was found", "match score")
    for p in result.partners:
        shown, scores = [], []
        for item in p.items:
            ref = item["reference"]
            rec = item.get("record")
            if rec:
                shown.append(f"{item['mode']}: {rec['schema']} {_name(rec)}")
            else:
                shown.append(f"reference: {ref['schema']} of {ref['owner']} (no content)")
            scores.append(f"{item['match']['score']:.2f}" if item.get("match") else "")
        found.add_row(p.agency, "\n".join(shown) or p.status.replace("_", " "), "\n".join(scores))
    console.print(found)
    say(
        "Each partner matched the name against its own records with its own threshold, "
        "across spellings and scripts, and says how well each matched. NL-POLITIE's "
        "agreement with DE-BKA covers EU crime areas, so it sends its record in full. UA-NPU's "
        "agreement allows only a reference for persons: DE-BKA learns that UA-NPU knows this "
        "person, and gets a reference to ask for more — nothing else."
    )

    # The follow-up: DE asks UA for the content behind the reference.
    ua_items = next(p for p in result.partners if p.agency == "UA-NPU").items
    reference = next(i["reference"]["reference"] for i in ua_items if i["mode"] == "reference")
    asked = request_follow_up(
        de,
        analyst,
        partner="ua-npu",
        reference=reference,
        purpose=purpose,
        legal_basis="MoU BKA–NPU 2024, Art. 4; StPO § 161",
        justification="Suspected recruiter in a trafficking ring active in UA, NL and DE.",
    )
    fid = asked.row.follow_up_id
    _step(
        "4. Asking for more",
        "The analyst asks UA-NPU for the record behind the reference, stating the legal basis "
        "(MoU BKA–NPU 2024, Art. 4) and why it is needed. The reference:",
    )
    say(f"  {reference}")
    say(f"The request is follow-up {fid}.")
    expect(_wait(lambda: get_follow_up(ua, fid).state == "pending"), "the follow-up reaches UA-NPU")
    decide_follow_up(
        ua,
        officer,
        fid,
        approve=True,
        conditions="H3: not to be used as evidence without UA-NPU's written consent",
    )
    _step(
        "5. UA-NPU decides",
        "UA-NPU's liaison officer reads the request and approves it, on condition that the "
        "record is not used as evidence without UA-NPU's written consent. Before anything "
        "leaves, UA-NPU's agreements are checked again.",
    )
    if not _wait(lambda: get_follow_up(de, fid).state == "approved"):
        expect(False, "DE-BKA receives the approved record")
        return name
    outcome = get_follow_up(de, fid).outcome() or {}
    received = [i for i in outcome.get("items") or [] if i.get("record")]
    expect(bool(received), "the approved follow-up carries the record")
    if received:
        rec = received[0]["record"]
        say(
            f"DE-BKA now holds UA-NPU's {rec['schema']} record of {_name(rec)}, under the "
            f"condition: {outcome.get('conditions')}"
        )
        cross_script = not _name(rec).isascii()
        expect(cross_script, "the Latin query found UA-NPU's record written in Cyrillic")
        if cross_script:
            say(
                f"UA-NPU writes the name in Cyrillic: the search for {name} found it by "
                "matching the romanisations of its name, not by its letters."
            )

    # Both ledgers prove the exchanges.
    ledgers = {"DE-BKA": _ledger(de), "NL-POLITIE": _ledger(nl), "UA-NPU": _ledger(ua)}
    rid = result.request_id
    proof = table(None, "what", "DE-BKA's ledger", "partner's ledger", "same answer")
    story: list[str] = []
    sent = [
        e
        for e in ledgers["DE-BKA"]
        if e["event"] == "federation_answer" and e["details"].get("request_id") == rid
    ]
    for agency in ("NL-POLITIE", "UA-NPU"):
        mine = next((e for e in sent if e["details"].get("agency") == agency), None)
        theirs = next(
            (
                e
                for e in ledgers[agency]
                if e["event"] == "federation_answer" and e["details"].get("request_id") == rid
            ),
            None,
        )
        disclosed = [
            e
            for e in ledgers[agency]
            if e["event"] == "disclosure" and e["details"].get("recipient") == "DE-BKA"
        ]
        ok = bool(
            mine
            and theirs
            and mine["details"].get("answer_digest") == theirs["details"].get("answer_digest")
        )
        expect(ok, f"the answer of {agency} is in both ledgers with one digest")
        expect(bool(disclosed), f"{agency}'s ledger names the disclosure and its clauses")
        clauses = sorted(
            {c for e in disclosed for d in e["details"]["decisions"] for c in d["clauses"]}
        )
        answered = sorted(
            {str(i["mode"]) for p in result.partners if p.agency == agency for i in p.items}
        )
        what = {"full": "the record", "reference": "a reference only"}
        story.append(
            f"{agency} disclosed {' and '.join(what.get(m, m) for m in answered) or 'nothing'} "
            "to DE-BKA under "
            f"{', '.join(clauses) or 'no clause'}; both ledgers hold the same answer"
            + ("." if ok else " — NOT SO: the ledgers disagree.")
        )
        proof.add_row(
            f"search answer from {agency}",
            f"entry #{mine['idx']}" if mine else "missing",
            f"entry #{theirs['idx']} ({', '.join(clauses)})" if theirs else "missing",
            "yes (answer digests equal)" if ok else "NO",
        )

    def steps(agency: str) -> dict[str, dict[str, Any]]:
        return {
            e["details"]["step"]: e
            for e in ledgers[agency]
            if e["event"] == "follow_up" and e["details"].get("follow_up_id") == fid
        }

    def in_order(found: dict[str, dict[str, Any]]) -> str:
        ordered = sorted(found.values(), key=lambda e: int(e["idx"]))
        return " → ".join(f"{e['details']['step']} #{e['idx']}" for e in ordered)

    steps_de, steps_ua = steps("DE-BKA"), steps("UA-NPU")
    same = steps_de.get("outcome_received", {}).get("details", {}).get(
        "outcome_digest"
    ) == steps_ua.get("decided", {}).get("details", {}).get("outcome_digest")
    expect(
        same and "outcome_received" in steps_de,
        "the follow-up outcome is in both ledgers with one digest",
    )
    story.append(
        f"UA-NPU's approval of follow-up {fid} and the record it released are in both "
        "ledgers, the same on each side" + ("." if same else " — NOT SO: they disagree.")
    )
    proof.add_row(
        f"follow-up {fid}",
        in_order(steps_de),
        in_order(steps_ua),
        "yes (outcome digests equal)" if same else "NO",
    )
    verified = {agency: audit.verify(n).ok for agency, n in (("DE-BKA", de), ("NL-POLITIE", nl))}
    verified["UA-NPU"] = audit.verify(ua).ok
    for agency, ok in verified.items():
        expect(ok, f"{agency}'s ledger verifies")
    _step("6. What the ledgers show", "Every node keeps its own tamper-evident ledger:")
    for line in story:
        say(f"  • {line}")
    if all(verified.values()):
        say("  • All three ledgers verify: no entry was altered, removed or reordered.")
    if verbose:
        console.print()
        console.print(proof)
        say(
            "(#N is the entry's index in that node's ledger; `accord audit show --start N` "
            "reads it, `accord audit verify` proves the ledger intact.)"
        )
    else:
        say("(`accord demo --verbose` shows the ledger entries, digests and proofs.)")
    _notice(de, nl, ua, analyst, expect)
    _border_check(de, ua, expect)
    local = [h.record for h in result.local if h.record.owner == "DE-BKA"]
    _messages(de, nl, analyst, local[0].id if local else None, expect)
    for n in (de, nl, ua):
        n.engine.dispose()
    return name


#: The fugitive of the notice scene: in no agency's records until NL-POLITIE's border post
#: writes him down (his name is not one the scenario generates).
FUGITIVE = ("Zorian Pidhirnyi", "1979-04-12")


def _notice(de: Node, nl: Node, ua: Node, analyst: Principal, expect: Any) -> None:
    """A red notice published by DE-BKA reaches NL-POLITIE (not UA-NPU, whose agreement allows
    persons only by reference); a record NL-POLITIE ingests hits it and alerts both."""
    import io

    from accord.model import EnvelopeDefaults
    from accord.services.alerts import list_alerts
    from accord.services.ingest import ingest_stream
    from accord.services.notices import create_notice, list_notices, publish_notice

    name, born = FUGITIVE
    drafted = create_notice(
        de,
        analyst,
        {
            "type": "red",
            "crime_area": "thb",
            "subject": {
                "schema": "Person",
                "properties": {"name": [name], "birthDate": [born], "nationality": ["ua"]},
            },
            "details": {
                "offence": "Trafficking in human beings (StGB § 232)",
                "arrest_warrant": "AG Berlin-Tiergarten 352 Gs 1184/26",
                "issuing_authority": "Amtsgericht Berlin-Tiergarten",
                "extradition_intent": True,
            },
        },
    )
    notice = publish_notice(de, analyst, drafted.row.notice_id)
    nid = notice.row.notice_id
    sent = {agency: mode for _, agency, mode in notice.recipients}
    expect(sent == {"NL-POLITIE": "full"}, "the red notice goes to NL-POLITIE only")
    _step(
        "7. A red notice",
        f"DE-BKA's judge has issued an arrest warrant for {name}, born {born}; DE-BKA publishes "
        f"a red notice ({nid}): locate and arrest him with a view to extradition. It goes to "
        "NL-POLITIE, whose agreement lets the person go in full; UA-NPU's agreement allows "
        "persons only by reference, so UA-NPU is sent nothing.",
    )

    def held(node: Node) -> bool:
        return any(n.row.notice_id == nid for n in list_notices(node, node.operator("demo")))

    expect(_wait(lambda: held(nl)), "NL-POLITIE holds DE-BKA's red notice")
    expect(not held(ua), "UA-NPU holds nothing of the red notice")
    line = {
        "id": "nl-border-2026-0917",
        "schema": "Person",
        "properties": {"name": [name.upper()], "birthDate": [born], "nationality": ["ua"]},
        "accord": {"subject_category": "suspect", "crime_areas": ["thb"]},
    }
    ingest_stream(
        nl,
        nl.operator("demo"),
        io.BytesIO(json.dumps(line).encode()),
        defaults=EnvelopeDefaults(owner="NL-POLITIE"),
        source="border-check",
    )

    def alerts(node: Node) -> list[Any]:
        return list_alerts(node, node.operator("demo"), notice_id=nid)

    expect(bool(alerts(nl)), "NL-POLITIE's record hits the notice there")
    expect(_wait(lambda: bool(alerts(de))), "DE-BKA is alerted of the hit at NL-POLITIE")
    say(
        f"A border post of NL-POLITIE records a traveller, {name.upper()}, born {born}. The "
        "record is matched against the notices NL-POLITIE holds as it is stored, and hits:"
    )
    shown = table(None, "alerted", "record that hit", "held by", "score")
    for agency, node in (("NL-POLITIE", nl), ("DE-BKA", de)):
        for a in alerts(node):
            record = f"{a.record_owner}/{a.record_id}" if a.record_id else f"{a.record_owner}"
            shown.add_row(agency, record, a.holder_agency, f"{a.score:.2f}")
    console.print(shown)
    say(f"The action the notice asks for: {notice.row.requested_action}.")
    say(
        "Both agencies are alerted at once, on their event streams: NL-POLITIE to act on the "
        "notice, DE-BKA that its fugitive was found — with NL-POLITIE's record as their "
        "agreement allows it to go."
    )


#: The stolen passport of the border scene: UA-NPU reports it, a DE-BKA border post reads it.
STOLEN = {
    "number": "FU4471093",
    "primary_name": "HORBAN",
    "secondary_name": "MYKOLA",
    "birth_date": "850614",
    "expiry_date": "310220",
}


def _border_check(de: Node, ua: Node, expect: Any) -> None:
    """UA-NPU reports a passport stolen; a DE-BKA border post reads its MRZ; the check goes to
    UA-NPU's registry through the federation, hits, and UA-NPU is alerted with who checked
    and where, while the border post learns only the action."""
    from accord.documents.compose import compose_mrz
    from accord.model import Principal, PrincipalKind
    from accord.services.document_journal import CheckAnswer
    from accord.services.documents import check_documents, parse_check, report_document
    from accord.services.events import events_after, last_event_id

    report_document(
        ua,
        ua.operator("demo"),
        number=STOLEN["number"],
        country_code="UKR",
        doc_type="passport",
        status="stolen",
        reference="NPU-KYIV-2026-55871",
    )
    lines = compose_mrz(
        "TD3",
        document_code="P",
        issuing_state="UKR",
        document_number=STOLEN["number"],
        primary_name=STOLEN["primary_name"],
        secondary_name=STOLEN["secondary_name"],
        nationality="UKR",
        birth_date=STOLEN["birth_date"],
        sex="M",
        expiry_date=STOLEN["expiry_date"],
    )
    _step(
        "8. A stolen passport at the border",
        f"UA-NPU reports Ukrainian passport {STOLEN['number']} stolen in its own registry. A "
        "traveller presents it at Frankfurt Airport; DE-BKA's border post reads the MRZ:",
    )
    for line in lines:
        say(f"    {line}")
    before = last_event_id(ua, "UA-NPU")
    border = Principal(
        subject="grenzkontrolle-fra-t1",
        agency="DE-BKA",
        kind=PrincipalKind.USER,
        roles=frozenset({"document_checker"}),
    )
    (answer,) = check_documents(
        de,
        border,
        [parse_check({"mrz": lines})],
        location="Frankfurt Airport, Terminal 1",
        purpose="border_control",
    )
    hit = isinstance(answer, CheckAnswer) and answer.hit and answer.action is not None
    expect(hit, "the border check of the stolen passport hits at UA-NPU")
    if isinstance(answer, CheckAnswer) and answer.action is not None:
        say(("  HIT", "bold white on red"), "  ", (answer.action.code, "bold red"))
        say(f"  {answer.action.instruction}")

    def alerted() -> list[Any]:
        return [e for e in events_after(ua, "UA-NPU", before) if e.kind == "document_hit"]

    expect(_wait(lambda: bool(alerted())), "UA-NPU is alerted of the hit at DE-BKA's border")
    for event in alerted()[:1]:
        p = event.payload
        say(
            f"The passport is Ukrainian, so DE-BKA's node asked UA-NPU's registry, as the "
            f"agreement's documents clause allows for border control. UA-NPU is alerted at "
            f"once, on its event stream: passport {p['number']} ({p['status']}) checked by "
            f"{p['checked_by']} at {p['location']}. The border post was told the action and "
            "nothing else: not the holder, not the report, not who reported it."
        )


def _messages(de: Node, nl: Node, analyst: Principal, record_id: str | None, expect: Any) -> None:
    """A request for information with a record crosses sealed and is answered; an MLA request
    goes through its states, with the turnaround and the assets frozen."""
    from datetime import timedelta

    from accord.model.messages import Attachment
    from accord.services import mla
    from accord.services.messaging import list_messages, read_message, send_message

    officer = _demo_user(nl)
    started = time.monotonic()
    sent = send_message(
        de,
        analyst,
        {
            "kind": "rfi",
            "recipient": "NL-POLITIE",
            "subject": "BKA-2026-0042: vehicles used by the suspect",
            "body": "Which vehicles are registered to the attached person, and has any "
            "crossed into Germany since January?",
            "language": "en",
            "priority": "urgent",
            "case_reference": "BKA-2026-0042",
            "records": [record_id] if record_id else [],
            "crime_area": "thb",
        },
    ).to_dict()
    mid = sent["message_id"]
    went = ", ".join(f"{o['id']} {o['mode']}" for o in sent.get("record_outcome", []))
    _step(
        "9. A request for information, sealed end to end",
        f"The DE-BKA analyst sends NL-POLITIE an urgent request ({mid}) with the suspect's "
        f"record attached ({went or 'no record'}: the agreement decides, record by record). "
        "It is signed by DE-BKA and encrypted to NL-POLITIE's key: a node that stored or "
        f"relayed it could not read it. Both ledgers hold only its digest, {sent['digest'][:16]}….",
    )

    def arrived() -> bool:
        return any(
            m.row.message_id == mid for m in list_messages(nl, officer, direction="incoming")
        )

    expect(_wait(arrived), "NL-POLITIE receives the request")
    got = read_message(nl, officer, mid).to_dict()
    expect(got.get("verified", False), "NL-POLITIE verifies DE-BKA's signature before reading")
    reply = send_message(
        nl,
        officer,
        {
            "kind": "reply",
            "recipient": "DE-BKA",
            "in_reply_to": mid,
            "subject": "Re: vehicles used by the suspect",
            "body": "One car, NL plate 12-ABC-3, rented; seen at Venlo on 14 March.",
            "language": "en",
        },
    ).to_dict()

    def answered() -> bool:
        return bool(read_message(de, analyst, mid).to_dict()["answered"])

    expect(_wait(answered), "DE-BKA receives NL-POLITIE's answer")
    shown = read_message(de, analyst, mid).to_dict()
    say(
        f"NL-POLITIE's liaison officer reads it (DE-BKA sees it delivered and read) and "
        f"answers ({reply['message_id']}); the answer is in DE-BKA's inbox "
        f"{time.monotonic() - started:.1f} s after the request left — against SIENA's "
        "4.2 days on average. States at DE-BKA: "
        + " → ".join(h["state"] for h in shown["history"])
        + "."
    )
    form = {
        "requested_agency": "NL-POLITIE",
        "requesting_authority": "Staatsanwaltschaft Berlin",
        "requested_authority": "Openbaar Ministerie, Landelijk Parket",
        "legal_basis": "eu-2000",
        "offence": {"description": "Trafficking in human beings (StGB § 232)", "crime_area": "thb"},
        "measures": [
            {"type": "bank_records", "description": "Accounts held by the suspect at Dutch banks"},
            {"type": "freezing_of_assets", "amount": "250000", "currency": "EUR"},
        ],
        "urgency": "urgent",
        "deadline": (datetime.now(UTC) + timedelta(days=30)).date().isoformat(),
        "facts": "Proceeds of the ring are moved through Dutch accounts.",
        "case_reference": "BKA-2026-0042",
    }
    request = mla.create_mla(de, analyst, form)
    rid = request.row.mla_id
    mla.send_mla(de, analyst, rid)

    def state_at(node: Node, who: Principal, state: str) -> bool:
        return mla.get_mla(node, who, rid).row.state == state

    expect(_wait(lambda: state_at(nl, officer, "sent")), "NL-POLITIE receives the MLA request")
    for step in ("acknowledged", "in_execution"):
        mla.advance_mla(nl, officer, rid, step)
    statements = Attachment(
        "bank-statements.csv", "text/csv", b"date,account,amount\n2026-03-01,NL91...,9000\n"
    )
    mla.advance_mla(
        nl,
        officer,
        rid,
        "executed",
        evidence=[statements],
        assets=[{"kind": "frozen", "amount": "180000", "currency": "EUR"}],
    )
    expect(_wait(lambda: state_at(de, analyst, "executed")), "the MLA request is executed")
    done = mla.get_mla(de, analyst, rid).to_dict()
    figures = mla.metrics(de, analyst)
    _step(
        "10. A mutual legal assistance request, tracked",
        f"The Berlin prosecutor's MLA request ({rid}) under the 2000 EU convention asks for "
        "bank records and the freezing of EUR 250,000. It moves, in both ledgers: "
        + " → ".join(h["state"] for h in done["history"])
        + f". Turnaround {done['turnaround_days'] * 86400:.1f} s; the bank statements came "
        f"back as evidence (sha256 {statements.sha256[:16]}…, handed over and received, in "
        "the chain of custody); EUR "
        f"{figures['assets']['frozen'].get('EUR', '0')} frozen (`accord mla metrics`).",
    )


def _add_demo_user(node: Node) -> tuple[str, list[str]]:
    """Create and enrol the node's demo user; its password and recovery codes."""
    from accord.auth import code_at, time_step
    from accord.services import sessions
    from accord.services.users import create_user, totp_secret
    from accord.store import users as user_store

    password = "demo-" + secrets.token_urlsafe(12)
    create_user(node, DEMO_USER, password, DEMO_ROLES, actor=node.operator("demo"))
    with node.engine.begin() as conn:
        row = user_store.get_user(conn, DEMO_USER)
        assert row is not None
        secret = totp_secret(node, row, pending=True)
    assert secret is not None
    session = sessions.login(node, DEMO_USER, password, client="demo")
    code = code_at(secret, time_step(datetime.now(UTC)))
    codes, full = sessions.complete_enrolment(node, session.token, code)
    sessions.logout(node, full.token)
    (node.settings.home / DEMO_MARKER).write_text(json.dumps({"user": DEMO_USER}) + "\n", "utf-8")
    return password, codes


def _shown_path(path: Path) -> str:
    """`path` as the user can type it here: relative to the working directory when inside it."""
    full = path.resolve()
    try:
        return shlex.quote(str(full.relative_to(Path.cwd())))
    except ValueError:
        return shlex.quote(str(full))


def _accord_command() -> str:
    """How the `accord` executable is reached from here: `accord` when it is on PATH."""
    exe = Path(sys.executable).parent / "accord"
    found = shutil.which("accord")
    if found and Path(found).resolve() == exe.resolve():
        return "accord"
    return _shown_path(exe)


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@app.callback()
def demo(
    ctx: typer.Context,
    home: Annotated[Path, typer.Option(help="Where the demo federation lives (recreated).")] = Path(
        "demo-out"
    ),
    persons: Annotated[
        int, typer.Option(min=300, help="People in the generated world (the story needs 300).")
    ] = 300,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Play the story, exit non-zero if any expected outcome fails."
        ),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", help="Also show the ledger entries, digests and proofs.")
    ] = False,
) -> None:
    """Three agencies' nodes play a cross-border case over mutual TLS.

    DE-BKA, NL-POLITIE and UA-NPU run as separate node processes: a federated search finds a
    full hit at one partner and a reference at another, a follow-up is approved, and both
    ledgers prove every disclosure. The nodes then keep running until Ctrl-C, each with a demo
    user to log in as (with --check, the command stops them and exits non-zero if any
    expected outcome failed)."""
    if ctx.invoked_subcommand is not None:
        return
    from accord.cli.cluster import build_federation, start_nodes, stop_nodes
    from accord.model import EnvelopeDefaults
    from accord.scenario import ScenarioOptions, write_scenario
    from accord.services.ingest import ingest_stream

    if home.exists():
        shutil.rmtree(home)
    failures: list[str] = []

    def expect(ok: bool, what: str) -> None:
        if not ok:
            failures.append(what)
            say(("✗ expected: ", "bold red"), what)

    write_scenario(
        ScenarioOptions(seed=SEED, persons=persons, agencies=tuple(a for a, _ in MEMBERS)),
        home / "scenario",
    )
    _step(
        "1. A world",
        f"A synthetic world of {persons} people with storylines, seen by three agencies in "
        f"their own scripts and conventions ({_shown_path(home / 'scenario')}).",
    )
    nodes = build_federation(
        home,
        MEMBERS,
        agreement_files=_agreement_paths(),
        federation="accord-demo",
        operator="demo",
    )
    credentials: dict[str, tuple[str, list[str]]] = {}
    for local in nodes:
        node = local.open()
        with (home / "scenario" / f"{local.agency}.ftm.jsonl").open("rb") as stream:
            report = ingest_stream(
                node,
                node.operator("demo"),
                stream,
                defaults=EnvelopeDefaults(owner=local.agency),
                source=f"{local.agency}.ftm.jsonl",
            )
        expect(report.rejected == 0, f"{local.agency}'s records load")
        credentials[local.agency] = _add_demo_user(node)
        node.engine.dispose()
    _step(
        "2. Three agencies",
        "Each agency runs its own node with its own database, keys and certificate; they "
        "share records only as their agreements allow: DE-BKA and NL-POLITIE in full for EU "
        "crime areas; DE-BKA and UA-NPU a reference for persons, documents in full; "
        "NL-POLITIE and UA-NPU nothing.",
    )
    # SIGTERM (a service manager, `timeout`) stops the nodes like Ctrl-C does.
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        start_nodes(nodes, timeout=180)  # three processes starting at once on a busy machine
        name = _play(home, nodes, expect, verbose)
        console.print()
        if failures:
            say((f"{len(failures)} expected outcome(s) failed", "bold red"))
        else:
            say(("The story played as expected.", "bold green"))
        if check:
            if failures:
                raise typer.Exit(code=1)
            return
        _credentials(nodes, credentials, name)
        try:
            while all(n.process is not None and n.process.poll() is None for n in nodes):
                time.sleep(1)
        except KeyboardInterrupt:
            say("stopping the nodes")
    finally:
        stop_nodes(nodes)
        signal.signal(signal.SIGTERM, previous)


def _credentials(
    nodes: list[LocalNode], credentials: dict[str, tuple[str, list[str]]], name: str | None
) -> None:
    """Print, once, how to log in to each running node, as commands to paste."""
    accord = _accord_command()
    console.print()
    say(("Your turn: the nodes keep running until Ctrl-C.", "bold"))
    say(
        f"Each node has a user {DEMO_USER!r} ({', '.join(DEMO_ROLES)}). Its password is shown "
        "only now; `demo totp` gives the current authenticator code (demo nodes only), for "
        "the workbench's login and for `accord login`."
    )
    for local in nodes:
        password, _codes = credentials[local.agency]
        env = f"ACCORD_HOME={_shown_path(local.home)}"
        console.print()
        say((local.agency, "bold"), f"  workbench {local.api_url}/  (API: {local.api_url}/docs)")
        say(f"  user: {DEMO_USER}  password: {password}")
        say(
            f"  {accord} demo totp --node {local.home.name} --home {_shown_path(local.home.parent)}"
        )
        say(f"  {env} {accord} login {DEMO_USER}")
    de = nodes[0]
    env = f"ACCORD_HOME={_shown_path(de.home)}"
    query = shlex.quote(name or "NAME")
    console.print()
    say("Then, for example, at DE-BKA:")
    say(f"  {env} {accord} search {query} --federated --case BKA-2026-0042 --crime-area thb")
    say(f"  {env} {accord} followup list")
    say(f"  {env} {accord} audit verify")


@app.command()
def totp(
    node: Annotated[
        str | None,
        typer.Option(help="The demo node (de-bka, nl-politie, ua-npu); default: ACCORD_HOME."),
    ] = None,
    home: Annotated[Path, typer.Option(help="Where the demo federation lives.")] = Path("demo-out"),
) -> None:
    """The demo user's current TOTP code (demo nodes only: a real node refuses)."""
    from accord.auth import STEP_SECONDS, code_at, time_step
    from accord.services.node import open_node
    from accord.services.users import totp_secret
    from accord.settings import Settings
    from accord.store import users as user_store

    settings = Settings(home=home / node) if node else Settings()
    if not (settings.home / DEMO_MARKER).is_file():
        raise Forbidden(f"{settings.home} is not a demo node: its users' codes stay secret")
    opened = open_node(settings)
    try:
        with opened.engine.connect() as conn:
            row = user_store.get_user(conn, DEMO_USER)
        secret = totp_secret(opened, row) if row is not None else None
    finally:
        opened.engine.dispose()
    if secret is None:
        raise Forbidden(f"the demo node at {settings.home} has no enrolled demo user")
    now = datetime.now(UTC)
    typer.echo(code_at(secret, time_step(now)))
    left = STEP_SECONDS - int(now.timestamp()) % STEP_SECONDS
    say(f"(valid for {left} s more; a code is accepted once)", stderr=True)
