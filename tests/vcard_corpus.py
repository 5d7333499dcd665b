"""The real-world vCard corpus: where it is, and what each of its files must read as.

The corpus lives outside git, reached through CARDSWAP_VCARD_CORPUS (default ../shared/vcards).
`corpus_dir()` is the one place a test asks for it: on a bare clone the test is skipped with one
reason naming the variable; under CI it fails instead, so a missing corpus is never a green run.

The expectations (tests/test_vcard_import.py) are what a careful reader of RFC 2425/2426/6350 (and
vCard 2.1) gets from each file, field by field: the card count of every file and its first three
cards, a few later cards, the broken photos.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = Path(os.environ.get("CARDSWAP_VCARD_CORPUS") or ROOT.parent / "shared" / "vcards")


def corpus_dir() -> Path:
    """The corpus folder; skips the calling test when it is missing (fails it under CI)."""
    if not CORPUS_DIR.is_dir():
        reason = (
            f"real-world vCard corpus not found at {CORPUS_DIR}: "
            "set CARDSWAP_VCARD_CORPUS to run these"
        )
        if os.environ.get("CI", "").lower() not in {"", "0", "false"}:
            pytest.fail(f"{reason} (CI runs them: a missing corpus fails)", pytrace=False)
        pytest.skip(reason)
    return CORPUS_DIR


# file: (card count, the first cards' fields)
CORPUS: dict[str, tuple[int, list[dict[str, Any]]]] = {
    "aosp-android/res_raw_v21_adr_multiple_line.vcf": (
        1,
        [
            {"fn": "bogus", "family": "bogus", "urls": ["http://bogus.com/"]},
        ],
    ),
    "aosp-android/res_raw_v21_android_custom_prop.vcf": (
        1,
        [
            {"fn": "Unknown"},
        ],
    ),
    # vCard 2.1 escapes only `\;` between parts: FN as written, N split (as AOSP reads it).
    "aosp-android/res_raw_v21_backslash.vcf": (
        1,
        [
            {"fn": "A;B\\C\\;D:E\\\\", "given": "A;B\\"},
        ],
    ),
    "aosp-android/res_raw_v21_base64_no_2_crlf.vcf": (
        1,
        [
            {"fn": "fullname", "family": "name", "photo": "image/jpeg"},
        ],
    ),
    "aosp-android/res_raw_v21_blackberry_photo.vcf": (
        1,
        [
            {
                "fn": "boogie",
                "family": "boogie",
                "emails": ["forrestgump@walladalla.com"],
                "phones": ["+5555555", "+5555556"],
                "photo": "image/png",
            },
        ],
    ),
    "aosp-android/res_raw_v21_complicated.vcf": (
        1,
        [
            {
                "fn": "Joe Due",
                "given": "Forrest",
                "family": "Gump",
                "org": "Gump Shrimp Co.; Sales Dept.;Manager; Fish keeper",
                "title": "Shrimp Man",
                "emails": ["forrestgump@walladalla.com", "cell@example.com"],
                "phones": [
                    "(111) 555-1212",
                    "(404) 555-1212",
                    "0311111111",
                    "0322222222",
                    "0333333333",
                ],
                "urls": ["http://www.example.com/"],
                "note": "The following note is the example from RFC 2045.\n"
                "Now's the time for all folk to come to the aid of their country.",
                "photo": "image/jpeg",
            },
        ],
    ),
    "aosp-android/res_raw_v21_japanese_1.vcf": (
        1,
        [
            {
                "fn": "安藤ロイド",
                "family": "安藤ロイド",
                "phones": ["0300000000"],
                # SOUND;X-IRMC-N in half-width kana (Shift_JIS), made full-width
                "reading": {"family": "アンドウロイド"},
            },
        ],
    ),
    "aosp-android/res_raw_v21_japanese_2.vcf": (
        1,
        [
            {
                "fn": "安藤 ロイド 1",
                "given": "ロイド1",
                "family": "安藤",
                "note": "メモ",
                "reading": {"family": "アンドウ", "given": "ロイド1"},
            },
        ],
    ),
    "aosp-android/res_raw_v21_japanese_3.vcf": (
        1,
        [
            {"fn": "伊能 圭一 伊予", "given": "圭一", "family": "伊能"},
        ],
    ),
    "aosp-android/res_raw_v21_malformed_photo.vcf": (
        1,
        [
            {"fn": "fullname", "family": "name"},
        ],
    ),
    "aosp-android/res_raw_v21_multiple_entry.vcf": (
        3,
        [
            {
                "fn": "安藤ロイド3",
                "family": "安藤ロイド3",
                "phones": ["9", "10", "11", "12"],
                "reading": {"family": "アンドウロイド3"},
            },
            {
                "fn": "安藤ロイド4",
                "family": "安藤ロイド4",
                "phones": ["13", "14", "15", "16"],
                "reading": {"family": "アンドウロイド4"},
            },
            {
                "fn": "安藤ロイド5",
                "family": "安藤ロイド5",
                "phones": ["17", "18", "19", "20"],
                "reading": {"family": "アンドウロイド5"},
            },
        ],
    ),
    "aosp-android/res_raw_v21_pref_handling.vcf": (
        1,
        [
            {
                "fn": "Smith",
                "org": "Company",
                "title": "Engineer",
                "given": "Smith",
                "emails": ["test@example.com", "test2@examination.com"],
                "phones": ["1", "2", "3"],
            },
        ],
    ),
    "aosp-android/res_raw_v21_winmo_65.vcf": (
        1,
        [
            {"fn": "Example", "family": "Example"},
        ],
    ),
    "aosp-android/res_raw_v21_x_android_custom_after_photo.vcf": (
        1,
        [
            {"fn": "Roid Ando", "given": "Roid", "family": "Ando", "photo": "image/png"},
        ],
    ),
    "aosp-android/res_raw_v21_x_param.vcf": (
        1,
        [
            {
                "fn": "Roid Ando",
                "given": "Roid",
                "family": "Ando",
                "emails": ["email@example.com", "email2@example.com"],
                "phones": ["1", "2"],
            },
        ],
    ),
    "aosp-android/res_raw_v30_comma_separated.vcf": (
        1,
        [
            {"fn": "G M F", "given": "G", "family": "F", "phones": ["1"]},
        ],
    ),
    "aosp-android/res_raw_v30_ios_613_multiline.vcf": (
        1,
        [
            {
                "fn": "Bob Smith",
                "given": "Bob",
                "family": "Smith",
                "org": "Smith Auto Repair",
                "emails": ["bob@smithauto.com"],
                "phones": ["(650) 555-1212"],
                "urls": ["www.smithauto.com"],
                "photo": "image/jpeg",
            },
        ],
    ),
    "aosp-android/res_raw_v30_japanese.vcf": (
        1,
        [
            {"fn": "伊能 圭一 伊予", "given": "圭一", "family": "伊能"},
        ],
    ),
    "aosp-android/res_raw_v30_multibyte_param.vcf": (
        1,
        [
            {"fn": "G M F", "given": "G", "family": "F", "phones": ["1"]},
        ],
    ),
    "aosp-android/res_raw_v30_simple.vcf": (
        1,
        [
            {
                "fn": "And Roid",
                "given": "Roid",
                "family": "And",
                "reading": {"family": "and", "given": "roid"},  # SORT-STRING:android by N
                "org": "Open; Handset;  Alliance",
                "phones": ["0300000000"],
            },
        ],
    ),
    "aosp-android/res_raw_v40_sip.vcf": (
        1,
        [
            {
                "fn": "安藤 ロイド",
                "given": "ロイド",
                "family": "安藤",
                "phones": ["1", "sip:example@example.com"],
            },
        ],
    ),
    "aosp-android/res_raw_v40_sort_as.vcf": (
        1,
        [
            {
                "fn": "安藤 ロイド",
                "given": "ロイド",
                "family": "安藤",
                "org": "グーグル; 検索部門",
                "reading": {"family": "あんどう", "given": "ろいど"},  # N;SORT-AS
            },
        ],
    ),
    "ez-vcard/ezvcard_io_text_John_Doe_ANDROID.vcf": (
        6,
        [
            {"fn": "john.doe@company.com", "emails": ["john.doe@company.com"]},
            {"fn": "jane.doe@company.com", "emails": ["jane.doe@company.com"]},
            {"fn": "Ñ Ñ Ñ Ñ Ñ", "family": "Ñ Ñ Ñ Ñ", "phones": ["123456789"]},
        ],
    ),
    "ez-vcard/ezvcard_io_text_John_Doe_BLACK_BERRY.vcf": (
        1,
        [
            {
                "fn": "John Doe",
                "given": "john",
                "family": "Doe",
                "org": "Acme Solutions",
                "phones": ["+96123456789"],
                "photo": "image/jpeg",
            },
        ],
    ),
    "ez-vcard/ezvcard_io_text_John_Doe_EVOLUTION.vcf": (
        1,
        [
            {
                "fn": "Mr. John Richter, James Doe Sr.",
                "given": "John",
                "family": "Doe",
                "org": "IBM; Accounting; Dungeon",
                "title": "Money Counter",
                "emails": ["john.doe@ibm.com"],
                "phones": ["905-666-1234", "905-555-1234"],
                "urls": ["http://www.ibm.com"],
                "note_start": "THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTR",
                "note_end": "VISED OF THE POSSIBILITY OF SUCH DAMAGE.",
                "note_len": 755,
            },
        ],
    ),
    "ez-vcard/ezvcard_io_text_John_Doe_GMAIL.vcf": (
        1,
        [
            {
                "fn": "Mr. John Richter, James Doe Sr.",
                "given": "John",
                "family": "Doe",
                "reading": {"family": "Dow", "given": "Jon"},  # X-PHONETIC-*
                "org": "IBM",
                "title": "Money Counter",
                "emails": ["john.doe@ibm.com"],
                "phones": ["905-555-1234", "905-666-1234"],
                "urls": ["http://www.ibm.com"],
                "note_start": "THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTR",
                "note_end": "ITY OF SUCH DAMAGE.\nFavotire Color: Blue",
                "note_len": 776,
            },
        ],
    ),
    "ez-vcard/ezvcard_io_text_John_Doe_IPHONE.vcf": (
        1,
        [
            {
                "fn": "Mr. John Richter James Doe Sr.",
                "given": "John",
                "family": "Doe",
                "org": "IBM; Accounting",
                "title": "Money Counter",
                "emails": ["john.doe@ibm.com"],
                "phones": [
                    "905-555-1234",
                    "905-666-1234",
                    "905-777-1234",
                    "905-888-1234",
                    "905-999-1234",
                    "905-111-1234",
                    "905-222-1234",
                ],
                "urls": ["http://www.ibm.com"],
                "photo": "image/jpeg",
            },
        ],
    ),
    "ez-vcard/ezvcard_io_text_John_Doe_LOTUS_NOTES.vcf": (
        1,
        [
            {
                "fn": "Mr. Doe John I Johny",
                "given": "John",
                "family": "Doe",
                "reading": {"given": "JOHN"},  # SORT-STRING:JOHN, N's given name
                "org": "IBM; SUN",
                "title": "Generic Accountant",
                "emails": ["john.doe@ibm.com", "billy_bob@gmail.com"],
                "phones": ["+1 (212) 204-34456", "00-1-212-555-7777"],
                "urls": ["http://www.sun.com"],
                "note_start": "THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTR",
                "note_end": "ISED OF THE\n POSSIBILITY OF SUCH DAMAGE.",
                "note_len": 762,
                "photo": "image/jpeg",
            },
        ],
    ),
    "ez-vcard/ezvcard_io_text_John_Doe_MAC_ADDRESS_BOOK.vcf": (
        1,
        [
            {
                "fn": "Mr. John Richter,James Doe Sr.",
                "given": "John",
                "family": "Doe",
                "reading": {"family": "Dow", "given": "Jon"},
                "org": "IBM; Accounting",
                "title": "Money Counter",
                "emails": ["john.doe@ibm.com"],
                "phones": [
                    "905-777-1234",
                    "905-666-1234",
                    "905-555-1234",
                    "905-888-1234",
                    "905-999-1234",
                    "905-111-1234",
                    "905-222-1234",
                ],
                "urls": ["http://www.ibm.com"],
                "note_start": "THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTR",
                "note_end": "ITY OF SUCH DAMAGE.\nFavotire Color: Blue",
                "note_len": 776,
                "photo": "image/jpeg",
            },
        ],
    ),
    "ez-vcard/ezvcard_io_text_John_Doe_MS_OUTLOOK.vcf": (
        1,
        [
            {
                "fn": "Mr. John Richter James Doe Sr.",
                "given": "John",
                "family": "Doe",
                "org": "IBM; Accounting",
                "title": "Money Counter",
                "emails": ["john.doe@ibm.cm"],
                "phones": ["(905) 555-1234", "(905) 666-1234"],
                "urls": ["http://www.ibm.com"],
                "note_start": "THIS SOFTWARE IS PROVIDED BY GEORGE EL-HADDAD ''AS IS'' AND ",
                "note_end": "VISED OF THE POSSIBILITY OF SUCH DAMAGE.",
                "note_len": 731,
                "photo": "image/jpeg",
            },
        ],
    ),
    "ez-vcard/ezvcard_io_text_fullcontact.vcf": (
        1,
        [
            {
                "fn": "Prefix FirstName MiddleName LastName Suffix",
                "given": "FirstName",
                "family": "LastName",
                "org": "Organization1; Department1",
                "title": "Title1",
                "emails": [
                    "home@example.com",
                    "work@example.com",
                    "school@example.com",
                    "other@example.com",
                    "custom@example.com",
                ],
                "phones": [
                    "555-555-1111",
                    "555-555-1112",
                    "555-555-1113",
                    "555-555-1114",
                    "555-555-1115",
                    "555-555-1116",
                    "555-555-1117",
                    "555-555-1118",
                    "555-555-1119",
                ],
                "urls": [
                    "http://www.homepage.com",
                    "http://www.blog.com",
                    "http://www.other.com",
                    "http://www.custom.com",
                ],
                "note": "Notes line 1\nNotes line 2",
            },
        ],
    ),
    "ez-vcard/ezvcard_io_text_gmail-list.vcf": (
        3,
        [
            {
                "fn": "Arnold Smith",
                "given": "Arnold",
                "family": "Smith",
                "emails": ["asmithk@gmail.com"],
            },
            {
                "fn": "Chris Beatle",
                "given": "Chris",
                "family": "Beatle",
                "emails": ["chrisy55d@yahoo.com"],
            },
            {
                "fn": "Doug White",
                "given": "Doug",
                "family": "White",
                "emails": ["dwhite@gmail.com"],
            },
        ],
    ),
    "ez-vcard/ezvcard_io_text_gmail-single.vcf": (
        1,
        [
            {
                "fn": "Greg Dartmouth",
                "given": "Greg",
                "family": "Dartmouth",
                "reading": {"family": "Dart-mowth", "given": "Grregg"},
                "org": "TheCompany",
                "title": "TheJobTitle",
                "emails": ["gdartmouth@hotmail.com"],
                "phones": ["555 555 1111", "555 555 2222"],
                "urls": ["http://TheProfile.com"],
                "note": "This is GMail's note field.\nIt should be added as a NOTE type.\n"
                "ACustomField: CustomField",
            },
        ],
    ),
    "ez-vcard/ezvcard_io_text_gmail-single2.vcf": (
        1,
        [
            {
                "fn": "VCard Test",
                "given": "VCard",
                "family": "Test",
                "reading": {"family": "ThePhoneticLastName", "given": "ThePhoneticFirstName"},
                "org": "TheCompany",
                "title": "TheJobTitle",
                "emails": [
                    "email@example.com",
                    "homeemail@example.com",
                    "workemail@example.com",
                    "otheremail@example.com",
                    "customcategory@example.com",
                ],
                "phones": [
                    "5555551111",
                    "5555551112",
                    "5555551113",
                    "5555551114",
                    "5555551115",
                    "5555551116",
                    "5555551117",
                    "5555551118",
                    "5555551119",
                    "5555551120",
                    "5555551121",
                ],
                "urls": [
                    "http://www.example1.com",
                    "http://www.example2.com",
                    "http://www.example3.com",
                    "http://www.example4.com",
                    "http://www.example5.com",
                    "http://www.example6.com",
                ],
                "note": "note line 1\nnote line 2\nCustomField: field value",
            },
        ],
    ),
    "ez-vcard/ezvcard_io_text_outlook-2003.vcf": (
        1,
        [
            {
                "fn": "John Doe III",
                "given": "John",
                "family": "Doe",
                "org": "Company, The; TheDepartment",
                "title": "The Job Title",
                "emails": ["jdoe@hotmail.com"],
                "phones": ["BusinessPhone", "HomePhone", "MobilePhone", "BusinessFaxPhone"],
                "urls": ["http://web-page-address.com"],
                "note": "This is the note field!!\nSecond line\n\nThird line is empty",
            },
        ],
    ),
    "ez-vcard/ezvcard_io_text_outlook-2007.vcf": (
        1,
        [
            {
                "fn": "Mr. Michael Angstadt Jr.",
                "given": "Michael",
                "family": "Angstadt",
                "org": "TheCompany; TheDepartment",
                "title": "TheJobTitle",
                "emails": ["mike.angstadt@gmail.com"],
                "phones": ["(111) 555-1111", "(111) 555-2222", "(111) 555-4444", "(111) 555-3333"],
                "urls": ["http://mikeangstadt.name", "http://mikeangstadt.name"],
                "note_start": "This is the NOTE field\t\nI assume it encodes this text inside",
                "note_end": "ere.\nIt does not preserve the formatting",
                "note_len": 179,
                "photo": "image/jpeg",
            },
        ],
    ),
    "ez-vcard/ezvcard_io_text_rfc2426-example.vcf": (
        2,
        [
            {
                "fn": "Frank Dawson",
                "org": "Lotus Development Corporation",
                "given": "Frank",
                "family": "Dawson",
                "emails": ["Frank_Dawson@Lotus.com", "fdawson@earthlink.net"],
                "phones": ["+1-919-676-9515", "+1-919-676-9564"],
                "urls": ["http://home.earthlink.net/~fdawson"],
            },
            {
                "fn": "Tim Howes",
                "org": "Netscape Communications Corp.",
                "given": "Tim",
                "family": "Howes",
                "emails": ["howes@netscape.com"],
                "phones": ["+1-415-937-3419", "+1-415-528-4164"],
            },
        ],
    ),
    "ez-vcard/ezvcard_io_text_rfc6350-example.vcf": (
        1,
        [
            {
                "fn": "Simon Perreault",
                "given": "Simon",
                "family": "Perreault",
                "org": "Viagenie",
                "emails": ["simon.perreault@viagenie.ca"],
                "phones": ["+1-418-656-9254;ext=102", "+1-418-262-6501"],
                "urls": ["http://nomis80.org"],
            },
        ],
    ),
    "ez-vcard/ezvcard_io_text_thunderbird-MoreFunctionsForAddressBook-extension.vcf": (
        1,
        [
            {
                "fn": "John Doe",
                "given": "John",
                "family": "Doe",
                "org": "TheOrganization; TheDepartment",
                "title": "TheTitle",
                "emails": [
                    "doe.john@hotmail.com",
                    "additional-email@company.com",
                    "additional-email1@company.com",
                    "additional-email2@company.com",
                    "additional-email3@company.com",
                ],
                "phones": [
                    "555-555-1111",
                    "555-555-2222",
                    "555-555-5555",
                    "555-555-3333",
                    "555-555-4444",
                ],
                "urls": ["http://www.private-webpage.com", "http://www.work-webpage.com"],
                "note": "This is the notes field.\nSecond Line\n\nFourth Line\n"
                'You can put anything in the "note" field; even curse words.',
                "photo": "image/jpeg",
            },
        ],
    ),
    "ez-vcard/ezvcard_issue_issue114.vcf": (
        1,
        [
            {
                "fn": "Dummy, Dummy",
                "given": "Dummy",
                "family": "Dummy",
                "org": "Dummy GmbH",
                "emails": ["dummy.dummy@dummy.com"],
                "phones": ["+49 1234 56789", "+49 9876 54321"],
            },
        ],
    ),
    "ical4j-vcard/samples_4b62872a-849-0.vcf": (
        1,
        [
            {
                "fn": "Herr Franz M. Branntwein",
                "given": "Franz",
                "family": "Branntwein",
                "emails": ["franz.m.branntwein@example.com"],
                "phones": ["0221 12345678"],
            },
        ],
    ),
    "ical4j-vcard/samples_invalid_vcard-dirk-whitespaceafterbegin.vcf": (
        1,
        [
            {
                "fn": "Dirk",
                "family": "dirk",
                "emails": ["dirk@sap.com"],
                "note": "The canonical Dirk",
            },
        ],
    ),
    "ical4j-vcard/samples_invalid_vcard-incompletenproperty.vcf": (
        1,
        [
            {
                "fn": "Antoni Mylka",
                "given": "Antoni",
                "family": "Mylka",
                "emails": ["antoni@mylka.pl"],
                "note": "Antoni Mylka from Aperture project",
            },
        ],
    ),
    "ical4j-vcard/samples_valid_Denis_Hennessy.vcf": (
        1,
        [
            {
                "fn": "Denis Hennessy",
                "given": "Denis",
                "family": "Hennessy",
                "org": "ISOCOR",
                "emails": ["denis.hennessy@isocor.com"],
                "phones": ["+353-1-676-0366", "+353-1-676-0856"],
            },
        ],
    ),
    "ical4j-vcard/samples_valid_Frank_Dawson.vcf": (
        1,
        [
            {
                "fn": "Frank Dawson",
                "given": "Frank",
                "family": "Dawson",
                "org": "Lotus Development Corporation",
                "emails": ["Frank_Dawson@Lotus.com", "fdawson@earthlink.net"],
                "phones": ["+1-919-676-9515", "+1-919-676-9564"],
                "urls": ["http://home.earthlink.net/~fdawson"],
            },
        ],
    ),
    "ical4j-vcard/samples_valid_Simon_Perreault.vcf": (
        1,
        [
            {
                "fn": "Simon Perreault",
                "given": "Simon",
                "family": "Perreault",
                "org": "Viagenie",
                "emails": ["simon.perreault@viagenie.ca"],
                "phones": ["+1-418-656-9254;ext=102", "+1-418-262-6501", "+1-418-656-9257"],
            },
        ],
    ),
    "ical4j-vcard/samples_valid_Simon_Perreault_03.vcf": (
        1,
        [
            {
                "fn": "Simon Perreault",
                "given": "Simon",
                "family": "Perreault",
                "org": "Viagenie",
                "emails": ["simon.perreault@viagenie.ca"],
                "phones": ["+1-418-656-9254;ext=102", "+1-418-656-9257"],
            },
        ],
    ),
    "ical4j-vcard/samples_valid_Tony_Small.vcf": (
        1,
        [
            {
                "fn": "Tony Small",
                "given": "Tony",
                "family": "Small",
                "org": "XpertSite.Com",
                "emails": ["tony@xpertsite.com"],
                "phones": ["+1-206-937-9972", "+1-206-936-7329"],
            },
        ],
    ),
    "ical4j-vcard/samples_valid_vcard-group.vcf": (
        1,
        [
            {"fn": "Unknown"},
        ],
    ),
    "ical4j-vcard/samples_valid_vcard-lowercase.vcf": (
        1,
        [
            {"fn": "xy@zz.com", "emails": ["xy@zz.com"]},
        ],
    ),
    "ical4j-vcard/samples_valid_vcard-url.vcf": (
        1,
        [
            {"fn": "Unknown", "urls": ["http://www.apple.com"]},
        ],
    ),
    "ical4j-vcard/samples_vcard-antoni-cardpicture.vcf": (
        1,
        [
            {
                "fn": "Antoni Mylka",
                "given": "Antoni",
                "family": "Mylka",
                "org": "AM Services; Police",
                "emails": ["antoni@amservices.pl"],
                "phones": ["(043) 7245-7234", "0634 272 451", "(012) 7234-8012"],
            },
        ],
    ),
    "ical4j-vcard/samples_vcard-antoni-kontact.vcf": (
        1,
        [
            {
                "fn": "Antoni Mylka",
                "given": "Antoni",
                "family": "Mylka",
                "org": "Aperture Project",
                "title": "Chief Information Officer",
                "emails": [
                    "antoni.mylka.kde@somedomain.com",
                    "antoni.mylka.otherkde@otherdomain.com",
                ],
                "phones": ["+48 91 3 177 6584", "+48 12 617 23 34", "+48 691 723 056"],
                "urls": ["http://www.kde.org/antonipage"],
                "note": "These are some notes about Antoni",
                "photo": "image/jpeg",
            },
        ],
    ),
    "ical4j-vcard/samples_vcard-antoni-outlook2003-valueurl.vcf": (
        1,
        [
            {
                "fn": "Antoni Jozef Mylka jun.",
                "given": "Antoni",
                "family": "Mylka",
                "org": "DFKI; Knowledge-Management",
                "title": "Intern",
                "emails": ["antoni_mylka@somedomain.com"],
                "phones": ["49 631 234 341", "48 691 342 341", "48 91 3 175 234"],
                "urls": ["http://antoni.mylka.com"],
                "note": "These are some notes about antoni.",
            },
        ],
    ),
    "ical4j-vcard/samples_vcard-antoni-outlook2003.vcf": (
        1,
        [
            {
                "fn": "Antoni Jozef Mylka jun.",
                "given": "Antoni",
                "family": "Mylka",
                "org": "DFKI; Knowledge-Management",
                "title": "Intern",
                "emails": ["antoni_mylka@somedomain.com"],
                "phones": ["49 631 234 341", "48 691 342 341", "48 91 3 175 234"],
                "urls": ["http://antoni.mylka.com"],
                "note": "These are some notes about antoni.",
            },
        ],
    ),
    "ical4j-vcard/samples_vcard-dirk.vcf": (
        1,
        [
            {
                "fn": "Dirk",
                "family": "dirk",
                "emails": ["dirk@sap.com"],
                "note": "The canonical Dirk",
            },
        ],
    ),
    "ical4j-vcard/samples_vcard-rfc2426.vcf": (
        2,
        [
            {
                "fn": "Frank Dawson",
                "given": "Frank",
                "family": "Dawson",
                "org": "Lotus Development Corporation",
                "emails": ["Frank_Dawson@Lotus.com", "fdawson@earthlink.net"],
                "phones": ["+1-919-676-9515", "+1-919-676-9564"],
                "urls": ["http://home.earthlink.net/~fdawson"],
            },
            {
                "fn": "Tim Howes",
                "given": "Tim",
                "family": "Howes",
                "org": "Netscape Communications Corp.",
                "emails": ["howes@netscape.com"],
                "phones": ["+1-415-937-3419", "+1-415-528-4164"],
            },
        ],
    ),
    "ical4j-vcard/samples_vcard-vCards-SAP.vcf": (
        30,
        [
            {
                "fn": "Gwendolina Brown",
                "given": "Gwendolina",
                "family": "Brown",
                "emails": ["Gwendolina.Brown@sap.com"],
            },
            {
                "fn": "Peter Smalholtz",
                "given": "Peter",
                "family": "Smalholtz",
                "org": "SAP",
                "emails": ["Peter.Smalholtz@sap.com"],
                "phones": ["§"],
            },
            {
                "fn": "Kristina Krull",
                "given": "Kristina",
                "family": "Krull",
                "org": "SAP",
                "emails": ["Kristina.Krull@sap.com"],
            },
        ],
    ),
    "icaljs/parser_escape_semicolon.vcf": (
        1,
        [
            {
                "fn": "First Last NextCloud",
                "org": "Firma",
                "given": "First Last",
                "family": "NextCloud",
                "emails": ["home@gmx.de", "work@gmx.de"],
                "phones": ["11111111", "205333", "205246;;,;", "222222"],
            },
        ],
    ),
    "icaljs/parser_vcard.vcf": (
        1,
        [
            {
                "fn": "J. Doe",
                "given": "John",
                "family": "Stevenson",
                "org": "ABC, Inc.; North American Division; Marketing",
                "title": "Research Scientist",
                "emails": ["jqpublic@xyz.example.com"],
                "phones": ["+33-01-23-45-67"],
                "note": "This fax number is operational 0800 to 1715 EST, Mon-Fri",
            },
        ],
    ),
    "icaljs/parser_vcard3.vcf": (
        1,
        [
            {
                "fn": "Mr. John Q. Public, Esq.",
                "given": "John",
                "family": "Public",
                "reading": {"family": "Harten"},  # SORT-STRING, one word: the family
                "org": "ABC, Inc.; North American Division; Marketing",
                "title": "Director, Research and Development",
                "emails": ["jqpublic@xyz.dom1.com", "jdoe@isp.net", "jane_doe@abc.com"],
                "phones": ["+1-213-555-1234"],
                "note": "This fax number is operational 0800 to 1715 EST, Mon-Fri.",
            },
        ],
    ),
    "icaljs/parser_vcard_author.vcf": (
        1,
        [
            {
                "fn": "Simon Perreault",
                "given": "Simon",
                "family": "Perreault",
                "org": "Viagenie",
                "emails": ["simon.perreault@viagenie.ca"],
                "phones": ["+1-418-656-9254;ext=102", "+1-418-262-6501"],
                "urls": ["http://nomis80.org"],
            },
        ],
    ),
    "icaljs/parser_vcard_grouped.vcf": (
        1,
        [
            {"fn": "Unknown"},
        ],
    ),
    "node-vcf/data_empty-lines.vcf": (
        1,
        [
            {
                "fn": "Dr. Erika Mustermann",
                "given": "Erika",
                "family": "Mustermann",
                "org": "Wikimedia",
                "title": "Redaktion & Gestaltung",
                "emails": ["erika@mustermann.de"],
                "phones": ["+49 221 9999123", "+49 221 1234567"],
                "urls": ["http://de.wikipedia.org/"],
            },
        ],
    ),
    "node-vcf/data_multiple.vcf": (
        3,
        [
            {
                "fn": "Dr. Erika Mustermann",
                "given": "Erika",
                "family": "Mustermann",
                "org": "Wikimedia",
                "title": "Redaktion & Gestaltung",
                "emails": ["erika@mustermann.de"],
                "phones": ["+49-221-9999123", "+49-221-1234567"],
            },
            {
                "fn": "Dr. Erika Mustermann",
                "given": "Erika",
                "family": "Mustermann",
                "org": "Wikimedia",
                "title": "Redaktion & Gestaltung",
                "emails": ["erika@mustermann.de"],
                "phones": ["(0221) 9999123", "(0221) 1234567"],
            },
            {
                "fn": "Dr. Erika Mustermann",
                "given": "Erika",
                "family": "Mustermann",
                "org": "Wikimedia",
                "title": "Redaktion & Gestaltung",
                "emails": ["erika@mustermann.de"],
                "phones": ["+49 221 9999123", "+49 221 1234567"],
                "urls": ["http://de.wikipedia.org/"],
            },
        ],
    ),
    "node-vcf/data_photo-base64.vcf": (
        1,
        [
            {"fn": "Unknown"},
        ],
    ),
    "node-vcf/data_quoted-list.vcf": (
        1,
        [
            {"fn": "Unknown", "phones": ["+1-555-555-5555;ext=5555"]},
        ],
    ),
    "node-vcf/data_vcard-2.1.vcf": (
        1,
        [
            {
                "fn": "Forrest Gump",
                "given": "Forrest",
                "family": "Gump",
                "org": "Bubba Gump Shrimp Co.",
                "title": "Shrimp Man",
                "emails": ["forrestgump@example.com"],
                "phones": ["(111) 555-1212", "(404) 555-1212"],
            },
        ],
    ),
    "node-vcf/data_vcard-3.0.vcf": (
        1,
        [
            {
                "fn": "Forrest Gump",
                "given": "Forrest",
                "family": "Gump",
                "org": "Bubba Gump Shrimp Co.",
                "title": "Shrimp Man",
                "emails": ["forrestgump@example.com"],
                "phones": ["(111) 555-1212", "(404) 555-1212"],
            },
        ],
    ),
    "node-vcf/data_vcard-4.0.vcf": (
        1,
        [
            {
                "fn": "Forrest Gump",
                "given": "Forrest",
                "family": "Gump",
                "org": "Bubba Gump Shrimp Co.",
                "title": "Shrimp Man",
                "emails": ["forrestgump@example.com"],
                "phones": ["+11115551212", "+14045551212", "+14045551213"],
            },
        ],
    ),
    "node-vcf/data_xing.vcf": (
        1,
        [
            {
                "fn": "Hans-Peter Mustermann",
                "given": "Hans-Peter",
                "family": "Mustermann",
                "reading": {"family": "mustermann"},
                "org": "Example GmbH",
                "title": "CTO",
                "urls": ["http://www.example.com"],
                "note": "17.02.2016, 19:18 - XING - http://www.xing.com/profile/Hans-Peter-Mustermann",
            },
        ],
    ),
    "py-vobject/files_radicale-1587.vcf": (
        1,
        [
            {"fn": "Given Family", "given": "Given", "family": "Family"},
        ],
    ),
    "sabre-vobject/VObject_issue153.vcf": (
        1,
        [
            {"fn": "Test Benutzer", "given": "Test", "family": "Benutzer", "photo": "image/jpeg"},
        ],
    ),
    "sabre-vobject/VObject_issue64.vcf": (
        1,
        [
            {"fn": "Unknown", "photo": "image/jpeg"},
        ],
    ),
}

# Extra per-card checks beyond the first three cards of a file: (file, card index, fields).
MORE = [
    (
        "ez-vcard/ezvcard_io_text_John_Doe_ANDROID.vcf",
        4,
        {
            "fn": "Ñ Ñ Ñ Ñ",
            "given": "Ñ Ñ Ñ",
            "family": "Ñ Ñ",
            "org": "ÑÑÑÑÑÑÑÑÑÑÑÑ",
            "emails": ["bob@company.com", "ÑÑÑÑÑÑÑÑÑÑÑÑÑÑ"],
            "urls": ["www.company.com", "http://www.company.com"],
        },
    ),
    (
        "ez-vcard/ezvcard_io_text_John_Doe_ANDROID.vcf",
        5,
        {"fn": "ÑÑÑÑ", "org": "Ñ" * 44, "emails": ["henry@company.com"], "phones": ["55556666"]},
    ),
    (
        "ical4j-vcard/samples_vcard-vCards-SAP.vcf",
        4,
        {"fn": "Karlsruhe Travel", "given": "Frida", "family": "Töcken", "org": "Karlsruhe Travel"},
    ),
    ("ical4j-vcard/samples_vcard-vCards-SAP.vcf", 9, {"fn": "Ingrid Spaßlund"}),
    (
        "ical4j-vcard/samples_vcard-vCards-SAP.vcf",
        14,
        {"fn": "Günther Blümchen", "phones": ["+1.650.506.7000"]},
    ),
    ("ical4j-vcard/samples_vcard-vCards-SAP.vcf", 29, {"fn": "Diana Smith"}),
]

# Files whose (deliberately) broken photo is dropped with a warning, the card kept.
BROKEN_PHOTOS = {
    "ez-vcard/ezvcard_io_text_John_Doe_ANDROID.vcf",
    "aosp-android/res_raw_v21_malformed_photo.vcf",
    "node-vcf/data_photo-base64.vcf",
    "icaljs/parser_vcard3.vcf",
}
