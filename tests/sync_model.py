"""A pure-Python model of what the server should hold after a sequence of sync requests, written
from DESIGN.md section 5 (not from server/sync/), for the state-machine and merge-property tests.

Per contact and field: last-writer-wins by (at clamped to server time + 5 min, device id, op id);
deletes are tombstones in the same order; an owner's later exchange brings a contact back, a
reciprocal never does (but still records the meeting); a swap's note fills the notes only while
no non-empty edit exists (the earliest swap note after the last edit); met_at is the earliest
exchange; verified contacts show the linked attendee's current card, and the last captured one
after that attendee deletes their data (a swap with their card is then `card_withdrawn`); op ids
are global and each is applied at most once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

SKEW = timedelta(minutes=5)
ZERO = ("", "", "")
Version = tuple[str, str, str]


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse(at: str) -> datetime:
    return datetime.fromisoformat(at.replace("Z", "+00:00"))


@dataclass
class Contact:
    linked: str | None = None
    card: dict[str, Any] = field(default_factory=dict)
    verified: bool = False
    met_at: str | None = None
    methods: set[str] = field(default_factory=set)
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    follow_up: str = "none"
    follow_up_on: str | None = None
    starred: bool = False
    deleted: bool = False
    versions: dict[str, Version] = field(default_factory=dict)

    edit_note: tuple[Version, str] | None = None
    swap_notes: dict[Version, str] = field(default_factory=dict)

    def lww(self, name: str, value: Any, ver: Version) -> None:
        if name == "notes":
            if self.edit_note is None or ver > self.edit_note[0]:
                self.edit_note = (ver, value)
            self.settle_notes()
        elif ver > self.versions.get(name, ZERO):
            setattr(self, name, value)
            self.versions[name] = ver

    def settle_notes(self) -> None:
        """A non-empty edit wins; else the earliest swap note after the edit; else the edit."""
        if self.edit_note and self.edit_note[1]:
            self.notes = self.edit_note[1]
            return
        after = self.edit_note[0] if self.edit_note else ZERO
        later = sorted(v for v in self.swap_notes if v > after)
        self.notes = self.swap_notes[later[0]] if later else ""


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
        """One op as the server must treat it: ("applied", None) or ("rejected", code-or-"")."""
        op_id = op["id"].lower()
        prior = self.log.get(op_id)
        if prior is not None:
            if prior[0] != owner:
                return "rejected", "duplicate_op_id"
            return prior[1], prior[2]
        result = self._apply(owner, device.lower(), op, at, meaning)
        self.log[op_id] = (owner, *result)
        return result

    def _apply(
        self, owner: str, device: str, op: dict[str, Any], at: str, meaning: dict[str, Any]
    ) -> tuple[str, str | None]:
        if meaning.get("invalid"):
            return "rejected", ""
        ver: Version = (at, device, op["id"].lower())
        kind = op["type"]
        if kind == "exchange" and "other" in meaning:
            other = meaning["other"]
            if other == owner:
                return "rejected", "self_exchange"
            if self.cards.get(other) is None:
                return "rejected", "card_withdrawn"
            self._meet((owner, f"att:{other}"), ver, linked=other, method=op["method"],
                       note=(op.get("note") or "").strip())  # fmt: skip
            if self.share_back[other]:
                self.mutual.add((other, owner))
                self._meet((other, f"att:{owner}"), ver, linked=owner, method="reciprocal",
                           reciprocal=True)  # fmt: skip
            return "applied", None
        if kind == "exchange":
            self._meet((owner, op["contact_id"]), ver, card=meaning["card"], method=op["method"],
                       note=(op.get("note") or "").strip())  # fmt: skip
            return "applied", None
        contact = self.contacts.get((owner, op["contact_id"]))
        if contact is None:
            return "rejected", ""
        if kind == "contact.delete":
            contact.lww("deleted", True, ver)
        for name, value in op.get("set", {}).items():
            if name == "notes" and value is None:
                value = ""
            if name == "tags":
                value = list(dict.fromkeys(t.strip() for t in value))
            contact.lww(name, value, ver)
        return "applied", None

    def _meet(
        self,
        key: tuple[str, str],
        ver: Version,
        *,
        method: str,
        linked: str | None = None,
        card: dict[str, Any] | None = None,
        note: str = "",
        reciprocal: bool = False,
    ) -> None:
        contact = self.contacts.get(key)
        if contact is None:
            contact = self.contacts[key] = Contact()
            if not reciprocal:
                contact.versions["deleted"] = ver
        elif not reciprocal and ver > contact.versions.get("deleted", ZERO):
            contact.deleted = False
            contact.versions["deleted"] = ver
        if linked is not None:
            contact.linked = linked
            contact.verified = True
        elif card is not None and ver >= contact.versions.get("card", ZERO):
            contact.card = card
            contact.versions["card"] = ver
        if contact.met_at is None or ver[0] < contact.met_at:
            contact.met_at = ver[0]
        contact.methods.add(method)
        if note and not reciprocal:
            contact.swap_notes[ver] = note
            contact.settle_notes()

    def delete_attendee(self, gone: str) -> None:
        """DELETE /api/me: their contacts go; cards they gave stay as last captured, unlinked."""
        for key in [k for k in self.contacts if k[0] == gone]:
            del self.contacts[key]
        for contact in self.contacts.values():
            if contact.linked == gone:
                contact.card, contact.linked = self.cards[gone], None
        self.mutual = {(holder, other) for holder, other in self.mutual if holder != gone}
        self.cards[gone] = None

    def view(self, owner: str) -> dict[str, dict[str, Any]]:
        """The owner's contacts (tombstones included) in the API's `contact` shape."""
        out = {}
        for (who, cid), c in self.contacts.items():
            if who != owner:
                continue
            out[cid] = {
                "id": cid,
                "card": self.cards[c.linked] if c.linked else c.card,
                "verified": c.verified,
                "met_at": c.met_at,
                "methods": sorted(c.methods),
                "notes": c.notes,
                "tags": c.tags,
                "follow_up": c.follow_up,
                "follow_up_on": c.follow_up_on,
                "starred": c.starred,
                "deleted": c.deleted,
            }
        return out


def comparable(contact: dict[str, Any]) -> dict[str, Any]:
    """A server `contact` without its server-time field, methods as a sorted list."""
    out = {k: v for k, v in contact.items() if k != "updated_at"}
    out["methods"] = sorted(out["methods"])
    return out
