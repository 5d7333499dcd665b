"""A booth's qualifying questions and the answers a lead may hold.

At most ten questions, each `{"id", "kind", "label", "options"?}`: a rating (`hot`, `warm`,
`cold`), a single choice and a multiple choice among the question's options, yes/no, or a short
text. Question ids are made here (a question keeps its id while it exists, so the answers stay
with it; a new question gets a fresh random id, and an edit may not name an id the booth does
not have, so an old answer does not reappear under another question). Answers are checked
against the booth's questions of the moment: an answer to a deleted question, or of the wrong
type, refuses its op (`unknown_question`, `invalid_answer`); `null` clears an answer.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from server.errors import InvalidField

KINDS = ("rating", "choice", "multi", "yesno", "text")
RATINGS = ("hot", "warm", "cold")
MAX_QUESTIONS = 10
MAX_LABEL = 200
MAX_OPTIONS = 20
MAX_OPTION = 100
MAX_TEXT_ANSWER = 1000
MAX_ANSWERS = 50  # keys of one op's `answers` (more than any booth has questions)
QUESTION_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_QUESTION_KEYS = {"id", "kind", "label", "options"}


class AnswerError(Exception):
    """An answer the booth's questions do not take: `code` is the op's rejection code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _text(value: Any, limit: int, field: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidField(f"{what} is required.", field=field)
    text = value.strip()
    if len(text) > limit or _CONTROL.search(text):
        raise InvalidField(f"{what} must be one line of at most {limit} characters.", field=field)
    return text


def _options(value: Any, field: str) -> list[str]:
    if not isinstance(value, list) or not 2 <= len(value) <= MAX_OPTIONS:
        raise InvalidField(f"options must list 2 to {MAX_OPTIONS} choices.", field=field)
    out = [_text(v, MAX_OPTION, f"{field}[{i}]", "An option") for i, v in enumerate(value)]
    if len({o.casefold() for o in out}) != len(out):
        raise InvalidField("Each option must be different.", field=field)
    return out


def new_question_id(taken: set[str]) -> str:
    while True:
        qid = "q" + secrets.token_hex(3)
        if qid not in taken:
            return qid


def check_questions(
    value: Any, current: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The checked list of questions (422 naming the field), new ones given ids.

    `current` is the booth's list when it is edited: a question sent with an id keeps it and
    must be one of the booth's (its kind cannot change: its answers are of that kind); one sent
    without an id is new. For a new booth (`current` None) ids given are taken as they are."""
    if value is None:
        value = []
    if not isinstance(value, list):
        raise InvalidField("questions must be a list.", field="questions")
    if len(value) > MAX_QUESTIONS:
        raise InvalidField(f"A booth has at most {MAX_QUESTIONS} questions.", field="questions")
    existing = {q["id"]: q for q in current or []}
    taken = set(existing) | {
        q["id"] for q in value if isinstance(q, dict) and isinstance(q.get("id"), str)
    }
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, raw in enumerate(value):
        field = f"questions[{i}]"
        if not isinstance(raw, dict):
            raise InvalidField("Each question must be an object.", field=field)
        unknown = sorted(set(raw) - _QUESTION_KEYS)
        if unknown:
            raise InvalidField(
                f"Unknown question field {unknown[0]!r}.", field=f"{field}.{unknown[0]}"
            )
        kind = raw.get("kind")
        if kind not in KINDS:
            raise InvalidField(
                "kind must be rating, choice, multi, yesno or text.", field=f"{field}.kind"
            )
        qid = raw.get("id")
        if qid is None:
            qid = new_question_id(taken | seen)
        elif not isinstance(qid, str) or not QUESTION_ID.match(qid):
            raise InvalidField(
                "A question id is 1-40 letters, digits, - or _.", field=f"{field}.id"
            )
        elif current is not None and qid not in existing:
            raise InvalidField(
                f"The booth has no question {qid!r}; send a new question without an id.",
                field=f"{field}.id",
            )
        elif current is not None and existing[qid]["kind"] != kind:
            raise InvalidField(
                "A question's kind cannot change; delete it and add a new question.",
                field=f"{field}.kind",
            )
        if qid in seen:
            raise InvalidField(f"Question id {qid!r} is there twice.", field=f"{field}.id")
        seen.add(qid)
        question: dict[str, Any] = {
            "id": qid,
            "kind": kind,
            "label": _text(raw.get("label"), MAX_LABEL, f"{field}.label", "A question's label"),
        }
        if kind in ("choice", "multi"):
            question["options"] = _options(raw.get("options"), f"{field}.options")
        elif raw.get("options") not in (None, [], list(RATINGS) if kind == "rating" else []):
            raise InvalidField(f"A {kind} question has no options.", field=f"{field}.options")
        out.append(question)
    return out


def check_answers_shape(value: Any) -> dict[str, Any]:
    """An op's `answers` as far as it can be checked without the booth: an object of question
    ids (the values are checked against the booth's questions when applied)."""
    if not isinstance(value, dict):
        raise AnswerError("invalid_answer", "answers must be an object of question id -> answer.")
    if len(value) > MAX_ANSWERS:
        raise AnswerError("invalid_answer", f"At most {MAX_ANSWERS} answers in one op.")
    for key in value:
        if not QUESTION_ID.match(key):
            raise AnswerError("unknown_question", f"There is no question {key[:40]!r}.")
    return dict(value)


def check_answer(question: dict[str, Any], value: Any) -> Any:
    """The answer as stored, or AnswerError (`invalid_answer`) when it is not of the question's
    kind; None clears the answer."""
    if value is None:
        return None
    kind, label = question["kind"], question["label"]
    wrong = AnswerError("invalid_answer", f"The answer to {label!r} is not a valid {kind}.")
    if kind == "rating":
        if value not in RATINGS:
            raise AnswerError("invalid_answer", f"The answer to {label!r} is hot, warm or cold.")
        return value
    if kind == "choice":
        if not isinstance(value, str) or value not in question["options"]:
            raise AnswerError("invalid_answer", f"The answer to {label!r} is one of its options.")
        return value
    if kind == "multi":
        if (
            not isinstance(value, list)
            or not all(isinstance(v, str) and v in question["options"] for v in value)
            or len(set(value)) != len(value)
        ):
            raise AnswerError(
                "invalid_answer", f"The answer to {label!r} is a list of its options."
            )
        return [o for o in question["options"] if o in value]  # in the question's order
    if kind == "yesno":
        if not isinstance(value, bool):
            raise wrong
        return value
    if not isinstance(value, str) or len(value) > MAX_TEXT_ANSWER:
        raise AnswerError(
            "invalid_answer", f"The answer to {label!r} is a text of at most {MAX_TEXT_ANSWER}."
        )
    return value.strip()


def check_answers(questions: list[dict[str, Any]], answers: dict[str, Any]) -> dict[str, Any]:
    """Every answer checked against the booth's current questions (AnswerError on the first
    that does not fit: the whole op is refused, nothing of it kept)."""
    by_id = {q["id"]: q for q in questions}
    out: dict[str, Any] = {}
    for qid, value in answers.items():
        question = by_id.get(qid)
        if question is None:
            raise AnswerError(
                "unknown_question", f"The question {qid!r} is not (or no longer) asked."
            )
        out[qid] = check_answer(question, value)
    return out


def answer_text(question: dict[str, Any], value: Any) -> str:
    """An answer as a spreadsheet cell or a note line (English, like a CRM's picklists)."""
    if value is None or value == [] or value == "":
        return ""
    if question["kind"] == "rating":
        return str(value).capitalize()
    if question["kind"] == "yesno":
        return "Yes" if value else "No"
    if question["kind"] == "multi" and isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)
