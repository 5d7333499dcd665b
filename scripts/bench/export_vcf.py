#!/usr/bin/env python3
"""Benchmark (DESIGN.md section 8): 10,000 contacts to one .vcf.

Prints three figures and the ratio to a baseline measured in the same run on the same machine:
- our exporter alone (`vcards.contacts_vcf`) on 10,000 contact dicts;
- the baseline: vobject building and serialising the same cards (timed on 1,000, scaled);
- the whole endpoint, `GET /api/contacts.vcf`, for an attendee holding 10,000 contacts that
  arrived through `POST /api/sync` (real SQLite file, in-process ASGI client).

Usage: .venv/bin/python scripts/bench/export_vcf.py [--contacts 10000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import vobject  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from server import vcard as vcards  # noqa: E402
from server.app import create_app  # noqa: E402
from server.cards import normalize_card  # noqa: E402
from server.settings import Settings  # noqa: E402

ADMIN = "bench-admin-token"


def contact(n: int) -> dict[str, Any]:
    card = normalize_card(
        {
            "fn": f"Person {n} Müller-Lüdenscheidt",
            "org": "Example, Inc.; Research",
            "title": "Head of Things",
            "emails": [f"person{n}@example.com"],
            "phones": [f"+1 415 555 {n % 10000:04d}"],
            "urls": [f"https://example.com/people/{n}"],
            "note": "Met at the booth; talked about the pilot, and about 東京.",
        }
    )
    return {
        "id": f"ext:{uuid.UUID(int=n)}",
        "card": card,
        "verified": False,
        "met_at": "2026-03-01T09:00:00.000000Z",
        "methods": ["qr"],
        "notes": "Follow up next week, send the deck",
        "tags": ["lead", "pilot"],
        "follow_up": "todo",
        "follow_up_on": "2026-03-08",
        "starred": False,
        "deleted": False,
        "updated_at": "2026-03-01T09:05:00.000000Z",
    }


def vobject_card(item: dict[str, Any]) -> str:
    card = item["card"]
    v = vobject.vCard()
    v.add("uid").value = item["id"]
    v.add("fn").value = card["fn"]
    v.add("n").value = vobject.vcard.Name(family=card.get("family", ""), given=card["given"])
    v.add("org").value = card["org"].split("; ")
    v.add("title").value = card["title"]
    for email in card["emails"]:
        v.add("email").value = email
    for phone in card["phones"]:
        v.add("tel").value = phone
    for url in card["urls"]:
        v.add("url").value = url
    v.add("note").value = card["note"]
    v.add("categories").value = item["tags"]
    text: str = v.serialize()
    return text


def best_of(runs: int, work: Any) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def endpoint_seconds(count: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            db=str(Path(folder) / "bench.db"),
            secret_keys=("bench-secret",),
            admin_token=ADMIN,
            base_url="http://testserver",
        )
        with TestClient(create_app(settings), base_url="http://testserver") as client:
            event = client.post(
                "/api/admin/events",
                json={"slug": "bench", "name": "Bench Conf"},
                headers={"Authorization": f"Bearer {ADMIN}"},
            ).json()
            joined = client.post(
                "/api/events/bench/attendees",
                json={
                    "join_code": event["join_code"],
                    "card": {"fn": "Bench Owner"},
                    "device_id": str(uuid.uuid4()),
                },
            ).json()
            client.cookies.clear()
            headers = {"Authorization": f"Bearer {joined['token']}"}
            device = str(uuid.uuid4())
            for start in range(0, count, 500):
                ops = []
                for n in range(start, min(start + 500, count)):
                    text = vcards.card_vcard(contact(n)["card"], f"urn:uuid:{n}")
                    ops.append(
                        {
                            "id": str(uuid.uuid4()),
                            "type": "exchange",
                            "method": "qr",
                            "contact_id": f"ext:{uuid.uuid4()}",
                            "vcard": text,
                            "at": "2026-03-01T09:00:00+00:00",
                        }
                    )
                body = {"device_id": device, "cursor": None, "ops": ops}
                response = client.post("/api/sync", json=body, headers=headers)
                assert response.status_code == 200, response.text

            def fetch() -> None:
                response = client.get("/api/contacts.vcf", headers=headers)
                assert response.status_code == 200
                assert response.content.count(b"BEGIN:VCARD") == count

            return best_of(3, fetch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=10_000)
    args = parser.parse_args()
    items = [contact(n) for n in range(args.contacts)]
    ours = best_of(5, lambda: vcards.contacts_vcf(items, "Bench Conf", owner_id="o"))
    sample = items[:1000]
    baseline = best_of(3, lambda: [vobject_card(i) for i in sample]) * len(items) / len(sample)
    endpoint = endpoint_seconds(args.contacts)
    print(f"contacts: {args.contacts}")
    print(f"our exporter:           {ours:.3f} s ({args.contacts / ours:,.0f} cards/s)")
    print(f"baseline vobject:       {baseline:.3f} s ({args.contacts / baseline:,.0f} cards/s)")
    print(f"GET /api/contacts.vcf:  {endpoint:.3f} s (SQLite read + export + response)")
    print(f"ratio exporter/vobject: {ours / baseline:.3f} ({baseline / ours:.1f}x faster)")


if __name__ == "__main__":
    main()
