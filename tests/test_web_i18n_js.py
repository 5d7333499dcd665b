"""web/js/i18n.js run under Node with the real catalogues: the browser's languages matched to
the app's, Arabic's six plural forms chosen by count, placeholders filled and isolated inside
right-to-left text, a calendar day shown as the same day in every time zone, and a catalogue the
phone cannot fetch reported as such."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from tests.conftest import ROOT

CATALOGUES = ROOT / "web" / "i18n"


def run_i18n(body: str) -> Any:
    """An ES module snippet with `i18n` imported and fetch() reading web/i18n from disk."""
    node = shutil.which("node")
    assert node, "node is required for the web app's module tests"
    prelude = (
        "import { readFile } from 'node:fs/promises';\n"
        f"const dir = {json.dumps(str(CATALOGUES))};\n"
        "globalThis.fetch = async (url) => { const tag = url.match(/([\\w-]+)\\.json$/)[1];"
        " try { const text = await readFile(`${dir}/${tag}.json`, 'utf8');"
        " return { ok: true, json: async () => JSON.parse(text) }; }"
        " catch { return { ok: false, status: 404 }; } };\n"
        f"const i18n = await import('{(ROOT / 'web/js/i18n.js').as_uri()}');\n"
    )
    done = subprocess.run(
        [node, "--input-type=module", "-e", prelude + body],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    ("tags", "language"),
    [
        (["de-AT", "en"], "de"),
        (["pt-PT"], "pt-BR"),
        (["zh-CN"], "zh-Hans"),
        (["zh-Hant-TW", "ja"], "ja"),  # Traditional Chinese is not offered: the next one
        (["zh-TW"], "en"),
        (["ar-EG"], "ar"),
        (["ko-KR", "fr-CA"], "fr"),
        (["ko"], "en"),
        ([], "en"),
    ],
)
def test_the_browsers_languages_pick_the_closest_one_the_app_has(
    tags: list[str], language: str
) -> None:
    assert run_i18n(f"console.log(JSON.stringify(i18n.match({json.dumps(tags)})));") == language


def test_arabic_says_each_count_in_its_own_form() -> None:
    ar = json.loads((CATALOGUES / "ar.json").read_text(encoding="utf-8"))["status.problems"]
    out = run_i18n(
        "await i18n.use('ar');"
        "console.log(JSON.stringify([0, 1, 2, 3, 11, 100].map((count) =>"
        " i18n.t('status.problems', { count }))));"
    )
    digits = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
    got = [text.translate(digits) for text in out]
    assert got == [
        ar["zero"],
        ar["one"],
        ar["two"],
        ar["few"].replace("{count}", "3"),
        ar["many"].replace("{count}", "11"),
        ar["other"].replace("{count}", "100"),
    ]


def test_placeholders_are_filled_and_isolated_in_right_to_left_text() -> None:
    out = run_i18n(
        "await i18n.use('en'); const en = i18n.t('contact.delete_confirm', { name: 'Bea' });"
        "await i18n.use('ar'); const ar = i18n.t('contact.delete_confirm', { name: 'Bea' });"
        "console.log(JSON.stringify([en, ar, i18n.direction(), i18n.t('no.such.key')]));"
    )
    assert out[0] == "Delete Bea from your contacts?"
    assert "\u2068Bea\u2069" in out[1]  # a Latin name keeps its own direction in Arabic
    assert out[2:] == ["rtl", "no.such.key"]


def test_a_follow_up_day_is_the_same_day_in_every_time_zone() -> None:
    out = run_i18n(
        "await i18n.use('en'); const days = [];"
        "for (const zone of ['Pacific/Kiritimati', 'Pacific/Pago_Pago']) {"
        " i18n.setTimeZone(zone); days.push(i18n.fmtDate('2026-12-01')); }"
        "i18n.setTimeZone('Not/AZone'); days.push(String(i18n.timeZone()));"
        "console.log(JSON.stringify(days));"
    )
    assert out == ["Dec 1, 2026", "Dec 1, 2026", "undefined"]


def test_a_catalogue_that_cannot_be_fetched_says_so_and_changes_nothing() -> None:
    out = run_i18n(
        "const unknown = await i18n.use('xx');"  # a tag the app does not have: English
        "await i18n.use('ja');"
        "globalThis.fetch = async () => { throw new TypeError('offline'); };"
        "let error = null; try { await i18n.use('de'); }"
        " catch (e) { error = e instanceof i18n.CatalogueUnavailable; }"
        "const stayed = [i18n.language(), i18n.t('nav.settings')];"
        "const back = await i18n.use('en');"  # fetched before: no request needed
        "console.log(JSON.stringify([unknown, error, stayed, back, i18n.t('nav.settings')]));"
    )
    assert out == ["en", True, ["ja", "設定"], "en", "Settings"]
