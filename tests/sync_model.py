"""A pure-Python model of what the server should hold after a sequence of sync requests, written
from the words of DESIGN.md section 5 (not from server/sync/), for the state-machine and
merge-property tests.

How the model reads the rules:

- "Each field last-writer-wins by (`at`, device, op id)", "compares `at` as a UTC instant, then
  `device_id`, then op `id`, both as strings": a contact is what applying its ops one after
  another *in that order* gives, whatever order they arrived in. So the model keeps every op
  applied to a contact and replays them sorted by that version; each op does only what its own
  words say: `contact.update` sets the fields it names, `contact.delete` is a tombstone, an
  exchange "creates or refreshes" the contact.
- "a later exchange with the same person brings the contact back": an owner's exchange clears
  the tombstone at its place in the order. "A reciprocal swap does not bring back a contact its
  owner deleted": a reciprocal never touches it (but still records the meeting).
- "An exchange's `note` becomes the contact's `notes` only when it has none (as a `notes` edit
  at the op's `at`)": at the exchange's place in the order, the note fills `notes` if they are
  empty then.
- "`met_at` is the earliest exchange `at` (after the clock rule)"; the methods are every way
  the two met; a swap by card token is verified.
- Which ops apply is decided in arrival order, as the server meets them: an edit of a contact
  that does not exist yet is `unknown_contact`; an exchange with one's own card is
  `self_exchange`, with a deleted attendee's card `card_withdrawn`; "an op id already applied is
  acked again and changes nothing", "replaying a rejected op id rejects it again with the same
  reason", "op ids are global: one used by another attendee is rejected (`duplicate_op_id`)".
- A verified contact shows the linked attendee's current card; after that attendee deletes
  their data ("cards they gave others stay as last captured"), the card they had then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

SKEW = timedelta(minutes=5)


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse(at: str) -> datetime:
    return datetime.fromisoformat(at.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Write:
    """One applied op as it concerns one contact."""

    at: str  # the effective `at` (after the clock rule), as stored
    device: str
    op_id: str
    kind: str  # "set", "delete" or "meet"
    fields: dict[str, Any] = field(default_factory=dict)  # "set": the fields it names
    method: str = ""  # "meet": how they met
    card: dict[str, Any] | None = None  # "meet": a foreign card
    linked: str | None = None  # "meet": the attendee whose card token it was
    note: str = ""  # "meet": the note typed with the swap
    reciprocal: bool = False  # "meet": the other side of someone else's swap

    def order(self) -> tuple[datetime, str, str]:
        """DESIGN.md "Ordering": `at` as a UTC instant, then device id, then op id."""
        return (parse(self.at), self.device, self.op_id)


@dataclass
class Contact:
    writes: list[Write] = field(default_factory=list)
    linked: str | None = None  # showing this attendee's current card
    captured: dict[str, Any] | None = None  # the card as last captured, once unlinked

    def state(self) -> dict[str, Any]:
        """The contact's fields: its writes replayed in version order from an empty contact."""
        s: dict[str, Any] = {"card": {}, "verified": False, "met_at": None, "methods": set(),
                             "notes": "", "tags": [], "follow_up": "none", "follow_up_on": None,
                             "starred": False, "deleted": False}  # fmt: skip
        for write in sorted(self.writes, key=Write.order):
            if write.kind == "set":
                s.update(write.fields)
            elif write.kind == "delete":
                s["deleted"] = True
            else:
                s["methods"].add(write.method)
                s["verified"] = s["verified"] or write.linked is not None
                if s["met_at"] is None or parse(write.at) < parse(s["met_at"]):
                    s["met_at"] = write.at
                if write.card is not None:
                    s["card"] = write.card
                if not write.reciprocal:
                    s["deleted"] = False
                    if write.note and not s["notes"]:
                        s["notes"] = write.note
        return s


@dataclass
class Model:
    cards: dict[str, Any] = field(default_factory=dict)  # attendee -> current card (None: gone)
    share_back: dict[str, bool] = field(default_factory=dict)
    contacts: dict[tuple[str, str], Contact] = field(default_factory=dict)
    log: dict[str, tuple[str, str, str | None]] = field(default_factory=dict)
    mutual: set[tuple[str, str]] = field(default_factory=set)  # (holder, attendee swapped with)

    def apply(
        self, owner: str, device: str, op: dict[str, Any], at: str, meaning: dict[str, Any]
    ) -> tuple[str, str | None]:
        """One op as the server must treat it: ("applied", None) or ("rejected", code), the code
        "" where the model does not know which (an invalid field)."""
        op_id = op["id"].lower()
        prior = self.log.get(op_id)
        if prior is not None:
            if prior[0] != owner:
                return "rejected", "duplicate_op_id"
            return prior[1], prior[2]
        result = self._apply(owner, device.lower(), op, at, op_id, meaning)
        self.log[op_id] = (owner, *result)
        return result

    def _apply(
        self,
        owner: str,
        device: str,
        op: dict[str, Any],
        at: str,
        op_id: str,
        meaning: dict[str, Any],
    ) -> tuple[str, str | None]:
        if meaning.get("invalid"):
            return "rejected", ""
        kind = op["type"]
        note = (op.get("note") or "").strip()
        if kind == "exchange" and "other" in meaning:
            other = meaning["other"]
            if other == owner:
                return "rejected", "self_exchange"
            if self.cards.get(other) is None:
                return "rejected", "card_withdrawn"
            mine = Write(at, device, op_id, "meet", method=op["method"], linked=other, note=note)
            self._meet((owner, f"att:{other}"), mine)
            if self.share_back[other]:
                self.mutual.add((other, owner))
                theirs = Write(at, device, op_id, "meet", method="reciprocal", linked=owner,
                               reciprocal=True)  # fmt: skip
                self._meet((other, f"att:{owner}"), theirs)
            return "applied", None
        if kind == "exchange":
            write = Write(at, device, op_id, "meet", method=op["method"], card=meaning["card"],
                          note=note)  # fmt: skip
            self._meet((owner, op["contact_id"]), write)
            return "applied", None
        contact = self.contacts.get((owner, op["contact_id"]))
        if contact is None:
            return "rejected", "unknown_contact"
        if kind == "contact.delete":
            contact.writes.append(Write(at, device, op_id, "delete"))
            return "applied", None
        fields = dict(op.get("set", {}))
        if "notes" in fields and fields["notes"] is None:
            fields["notes"] = ""
        if "tags" in fields:
            fields["tags"] = list(dict.fromkeys(t.strip() for t in fields["tags"]))
        contact.writes.append(Write(at, device, op_id, "set", fields=fields))
        return "applied", None

    def _meet(self, key: tuple[str, str], write: Write) -> None:
        contact = self.contacts.setdefault(key, Contact())
        contact.writes.append(write)
        if write.linked is not None:
            contact.linked = write.linked

    def delete_attendee(self, gone: str) -> None:
        """DELETE /api/me: their contacts go; cards they gave stay as last captured, unlinked."""
        for key in [k for k in self.contacts if k[0] == gone]:
            del self.contacts[key]
        for contact in self.contacts.values():
            if contact.linked == gone:
                contact.captured, contact.linked = self.cards[gone], None
        self.mutual = {(holder, other) for holder, other in self.mutual if holder != gone}
        self.cards[gone] = None

    def view(self, owner: str) -> dict[str, dict[str, Any]]:
        """The owner's contacts (tombstones included) in the API's `contact` shape."""
        out = {}
        for (who, cid), contact in self.contacts.items():
            if who != owner:
                continue
            state = contact.state()
            if contact.linked is not None:
                state["card"] = self.cards[contact.linked]
            elif contact.captured is not None:
                state["card"] = contact.captured
            out[cid] = {"id": cid, **state, "methods": sorted(state["methods"])}
        return out


def comparable(contact: dict[str, Any]) -> dict[str, Any]:
    """A server `contact` without its server-time field, methods as a sorted list."""
    out = {k: v for k, v in contact.items() if k != "updated_at"}
    out["methods"] = sorted(out["methods"])
    return out
