"""Ingestion eligibility: every reason is reachable, rules apply in a fixed order, settings fail clearly."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changple_domain.errors import InvalidInput, InvalidSetting
from changple_domain.model.authors import AllowedAuthor, clean_name
from changple_domain.model.posts import CafePost, PostStatusKind
from changple_domain.policies.change_detection import normalize_text
from changple_domain.policies.eligibility import (
    Decision,
    IngestionPolicy,
    Reason,
    authors_by_name,
    evaluate_eligibility,
)
from changple_domain.policies.settings import build_settings

LONG_CONTENT = "창업을 준비하면서 상권 분석과 인테리어 비용을 정리했습니다. 가맹비와 로열티도 비교했어요."
AUTHOR = "김창플"
BOARD = "창업 이야기"
DENY_WORD = "광고"

# The order evaluate_eligibility documents: the first refusing rule gives the reason.
RULE_ORDER = [
    Reason.DELETED,
    Reason.MEMBERS_ONLY,
    Reason.AUTHOR_NOT_ALLOWED,
    Reason.AUTHOR_INACTIVE,
    Reason.EXCLUDED_BOARD,
    Reason.DENIED_PATTERN,
    Reason.TOO_SHORT,
    Reason.DUPLICATE_CONTENT,
]

fast = settings(max_examples=150, deadline=None)


def make_post(**overrides: Any) -> CafePost:
    values: dict[str, Any] = {
        "article_id": 100,
        "title": "상가 계약 후기",
        "content": LONG_CONTENT,
        "author": AUTHOR,
        "board": BOARD,
        "published_at": datetime(2024, 5, 1, 12, 0),
    }
    values.update(overrides)
    return CafePost(**values)


def default_authors() -> dict[str, AllowedAuthor]:
    return authors_by_name([AllowedAuthor(name=AUTHOR), AllowedAuthor(name="휴면작가", active=False)])


def evaluate(
    post: CafePost | None = None,
    *,
    status: PostStatusKind = PostStatusKind.SAVED,
    authors: dict[str, AllowedAuthor] | None = None,
    policy: IngestionPolicy | None = None,
    duplicate_of: int | None = None,
) -> Decision:
    return evaluate_eligibility(
        post or make_post(),
        status=status,
        authors=default_authors() if authors is None else authors,
        policy=policy or IngestionPolicy(excluded_boards=frozenset({"자유게시판"}), deny_patterns=(DENY_WORD,)),
        duplicate_of=duplicate_of,
    )


# --- examples ------------------------------------------------------------------------------


def test_active_allowed_author_long_content_allowed_board_is_eligible() -> None:
    decision = evaluate()
    assert decision.eligible is True
    assert decision.reason is Reason.ELIGIBLE
    assert decision.message


@pytest.mark.parametrize(
    ("reason", "kwargs"),
    [
        (Reason.DELETED, {"status": PostStatusKind.DELETED}),
        (Reason.MEMBERS_ONLY, {"status": PostStatusKind.MEMBERS_ONLY}),
        (Reason.AUTHOR_NOT_ALLOWED, {"post": make_post(author="모르는사람")}),
        (Reason.AUTHOR_INACTIVE, {"post": make_post(author="휴면작가")}),
        (Reason.EXCLUDED_BOARD, {"post": make_post(board="자유게시판")}),
        (Reason.DENIED_PATTERN, {"post": make_post(content=LONG_CONTENT + " 광고 문의 주세요")}),
        (Reason.TOO_SHORT, {"post": make_post(content="짧은 글")}),
        (Reason.DUPLICATE_CONTENT, {"duplicate_of": 7}),
    ],
)
def test_each_reason_is_reachable(reason: Reason, kwargs: dict[str, Any]) -> None:
    decision = evaluate(**kwargs)
    assert decision.reason is reason
    assert decision.eligible is False
    assert decision.message.strip()


def test_every_reason_is_covered_by_the_rule_order() -> None:
    assert set(RULE_ORDER) | {Reason.ELIGIBLE} == set(Reason)


@pytest.mark.parametrize("status", [PostStatusKind.SAVED, PostStatusKind.SKIPPED, PostStatusKind.ERROR])
def test_statuses_other_than_deleted_or_members_only_do_not_refuse(status: PostStatusKind) -> None:
    assert evaluate(status=status).reason is Reason.ELIGIBLE


def test_deleted_beats_author() -> None:
    assert evaluate(make_post(author="모르는사람"), status=PostStatusKind.DELETED).reason is Reason.DELETED


def test_members_only_beats_author() -> None:
    decision = evaluate(make_post(author="모르는사람"), status=PostStatusKind.MEMBERS_ONLY)
    assert decision.reason is Reason.MEMBERS_ONLY


def test_author_beats_board() -> None:
    assert evaluate(make_post(author="모르는사람", board="자유게시판")).reason is Reason.AUTHOR_NOT_ALLOWED
    assert evaluate(make_post(author="휴면작가", board="자유게시판")).reason is Reason.AUTHOR_INACTIVE


def test_board_beats_deny_pattern_and_deny_pattern_beats_length() -> None:
    assert evaluate(make_post(board="자유게시판", content="광고")).reason is Reason.EXCLUDED_BOARD
    assert evaluate(make_post(content="광고")).reason is Reason.DENIED_PATTERN


def test_length_beats_duplicate() -> None:
    assert evaluate(make_post(content="짧다"), duplicate_of=1).reason is Reason.TOO_SHORT


def test_inactive_author_is_author_inactive_and_names_the_author() -> None:
    decision = evaluate(make_post(author="휴면작가"))
    assert decision.reason is Reason.AUTHOR_INACTIVE
    assert "휴면작가" in decision.message


def test_unknown_author_message_names_the_author() -> None:
    decision = evaluate(make_post(author="모르는사람"))
    assert "모르는사람" in decision.message


@pytest.mark.parametrize("author", ["", "   ", "\t\n"])
def test_blank_author_is_not_allowed_and_does_not_crash(author: str) -> None:
    assert evaluate(make_post(author=author)).reason is Reason.AUTHOR_NOT_ALLOWED


def test_author_rules_are_skipped_when_not_required() -> None:
    policy = IngestionPolicy(require_allowed_author=False)
    assert evaluate(make_post(author="모르는사람"), policy=policy).reason is Reason.ELIGIBLE
    assert evaluate(make_post(author="휴면작가"), policy=policy).reason is Reason.ELIGIBLE
    assert evaluate(make_post(author=""), policy=policy).reason is Reason.ELIGIBLE


def test_empty_author_map_refuses_everyone_when_required() -> None:
    assert evaluate(authors={}).reason is Reason.AUTHOR_NOT_ALLOWED


@fast
@given(seps=st.lists(st.text(" \t\u3000\xa0", min_size=1, max_size=3), min_size=3, max_size=3))
def test_nickname_white_space_variations_match(seps: list[str]) -> None:
    authors = authors_by_name([AllowedAuthor(name="창플 운영자")])
    spaced = f"{seps[0]}창플{seps[1]}운영자{seps[2]}"
    assert clean_name(spaced) == "창플 운영자"
    assert evaluate(make_post(author=spaced), authors=authors).reason is Reason.ELIGIBLE


def test_allowed_author_name_is_cleaned_on_construction_and_indexed_by_it() -> None:
    author = AllowedAuthor(name="  창플   운영자 ")
    assert author.name == "창플 운영자"
    assert authors_by_name([author]) == {"창플 운영자": author}


def test_author_names_differ_when_the_words_differ() -> None:
    authors = authors_by_name([AllowedAuthor(name="창플 운영자")])
    assert evaluate(make_post(author="창플운영자"), authors=authors).reason is Reason.AUTHOR_NOT_ALLOWED


@fast
@given(word=st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz"), min_size=3, max_size=8), data=st.data())
def test_deny_patterns_are_case_insensitive(word: str, data: st.DataObject) -> None:
    flips = data.draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    cased = "".join(ch.upper() if flip else ch for ch, flip in zip(word, flips, strict=True))
    pattern_upper = data.draw(st.booleans())
    policy = IngestionPolicy(deny_patterns=(word.upper() if pattern_upper else word,))
    decision = evaluate(make_post(content=f"{LONG_CONTENT} {cased}"), policy=policy)
    assert decision.reason is Reason.DENIED_PATTERN
    assert (word.upper() if pattern_upper else word) in decision.message
    assert policy.first_denied(cased) is not None


def test_deny_pattern_matches_the_title_too() -> None:
    policy = IngestionPolicy(deny_patterns=(r"\[홍보\]",))
    assert evaluate(make_post(title="[홍보] 신규 브랜드"), policy=policy).reason is Reason.DENIED_PATTERN


def test_first_matching_deny_pattern_is_reported() -> None:
    policy = IngestionPolicy(deny_patterns=("없는말", "상권", "비용"))
    assert policy.first_denied(LONG_CONTENT) == "상권"
    assert policy.first_denied("무관한 글") is None


def test_too_short_counts_normalized_characters() -> None:
    policy = IngestionPolicy(min_content_length=5)
    assert evaluate(make_post(content="가나다라마"), policy=policy).reason is Reason.ELIGIBLE
    padded = " 가\u200b나 \r\n\r\n\r\n\r\n 다 "  # normalizes to "가나\n\n다"
    assert len(normalize_text(padded)) == 5
    assert evaluate(make_post(content=padded), policy=policy).reason is Reason.ELIGIBLE
    decision = evaluate(make_post(content="가나다라"), policy=policy)
    assert decision.reason is Reason.TOO_SHORT
    assert "4" in decision.message
    assert "5" in decision.message


def test_zero_min_length_accepts_empty_content() -> None:
    policy = IngestionPolicy(min_content_length=0)
    assert evaluate(make_post(content=""), policy=policy).reason is Reason.ELIGIBLE


def test_duplicate_of_own_id_is_not_a_duplicate() -> None:
    assert evaluate(make_post(article_id=42), duplicate_of=42).reason is Reason.ELIGIBLE


def test_duplicate_message_names_the_original() -> None:
    decision = evaluate(make_post(article_id=42), duplicate_of=7)
    assert decision.reason is Reason.DUPLICATE_CONTENT
    assert "7" in decision.message


# --- properties ----------------------------------------------------------------------------


@fast
@given(
    status=st.sampled_from([PostStatusKind.SAVED, PostStatusKind.DELETED, PostStatusKind.MEMBERS_ONLY]),
    author_kind=st.sampled_from(["ok", "unknown", "inactive"]),
    bad_board=st.booleans(),
    denied=st.booleans(),
    short=st.booleans(),
    duplicate=st.booleans(),
)
def test_rule_order_first_violation_wins(
    status: PostStatusKind, author_kind: str, bad_board: bool, denied: bool, short: bool, duplicate: bool
) -> None:
    content = ("광고 " if denied else "") + ("짧음" if short else LONG_CONTENT)
    post = make_post(
        author={"ok": AUTHOR, "unknown": "모르는사람", "inactive": "휴면작가"}[author_kind],
        board="자유게시판" if bad_board else BOARD,
        content=content,
    )
    violations = {
        Reason.DELETED: status is PostStatusKind.DELETED,
        Reason.MEMBERS_ONLY: status is PostStatusKind.MEMBERS_ONLY,
        Reason.AUTHOR_NOT_ALLOWED: author_kind == "unknown",
        Reason.AUTHOR_INACTIVE: author_kind == "inactive",
        Reason.EXCLUDED_BOARD: bad_board,
        Reason.DENIED_PATTERN: denied,
        Reason.TOO_SHORT: short,
        Reason.DUPLICATE_CONTENT: duplicate,
    }
    expected = next((reason for reason in RULE_ORDER if violations[reason]), Reason.ELIGIBLE)
    decision = evaluate(post, status=status, duplicate_of=1 if duplicate else None)
    assert decision.reason is expected
    assert decision.eligible is (expected is Reason.ELIGIBLE)


NAMES = ["김창플", "박사장", "이 대표", "휴면작가"]
BOARDS = ["창업 이야기", "자유게시판", "질문", ""]
PATTERNS = ["광고", "홍보", r"카톡\s*문의", "SPAM", "[0-9]{3}-[0-9]{4}"]
text_bits = st.sampled_from(
    ["창업", "광고", "홍보", "카톡 문의", "spam", "010-1234", "상권", " ", "\n", "\u200b", "가맹"]
)


@st.composite
def scenarios(
    draw: st.DrawFn,
) -> tuple[CafePost, PostStatusKind, dict[str, AllowedAuthor], IngestionPolicy, int | None]:
    article_id = draw(st.integers(1, 50))
    post = make_post(
        article_id=article_id,
        title=draw(st.lists(text_bits, max_size=4).map("".join)),
        content=draw(st.lists(text_bits, max_size=25).map("".join)),
        author=draw(st.sampled_from([*NAMES, " 이  대표 ", "손님", ""])),
        board=draw(st.sampled_from(BOARDS)),
    )
    status = draw(st.sampled_from(list(PostStatusKind)))
    authors = authors_by_name(
        [AllowedAuthor(name=name, active=draw(st.booleans())) for name in draw(st.sets(st.sampled_from(NAMES)))]
    )
    policy = IngestionPolicy(
        min_content_length=draw(st.integers(0, 60)),
        excluded_boards=frozenset(draw(st.sets(st.sampled_from(BOARDS)))),
        deny_patterns=tuple(draw(st.lists(st.sampled_from(PATTERNS), max_size=3))),
        require_allowed_author=draw(st.booleans()),
        max_attempts=draw(st.integers(1, 50)),
    )
    duplicate_of = draw(st.none() | st.integers(1, 50))
    return post, status, authors, policy, duplicate_of


def reference_reason(
    post: CafePost,
    status: PostStatusKind,
    authors: dict[str, AllowedAuthor],
    policy: IngestionPolicy,
    duplicate_of: int | None,
) -> Reason:
    """An independent restatement of the documented rules."""
    import re

    if status == PostStatusKind.DELETED:
        return Reason.DELETED
    if status == PostStatusKind.MEMBERS_ONLY:
        return Reason.MEMBERS_ONLY
    if policy.require_allowed_author:
        key = " ".join(post.author.split())
        if key not in authors:
            return Reason.AUTHOR_NOT_ALLOWED
        if not authors[key].active:
            return Reason.AUTHOR_INACTIVE
    if post.board in policy.excluded_boards:
        return Reason.EXCLUDED_BOARD
    text = post.title + "\n" + post.content
    if any(re.search(p, text, re.IGNORECASE) for p in policy.deny_patterns):
        return Reason.DENIED_PATTERN
    if len(normalize_text(post.content)) < policy.min_content_length:
        return Reason.TOO_SHORT
    if duplicate_of not in (None, post.article_id):
        return Reason.DUPLICATE_CONTENT
    return Reason.ELIGIBLE


@settings(max_examples=200, deadline=None)
@given(scenario=scenarios())
def test_random_posts_and_policies_follow_the_rules(
    scenario: tuple[CafePost, PostStatusKind, dict[str, AllowedAuthor], IngestionPolicy, int | None],
) -> None:
    post, status, authors, policy, duplicate_of = scenario
    decision = evaluate_eligibility(post, status=status, authors=authors, policy=policy, duplicate_of=duplicate_of)
    assert decision.eligible is (decision.reason is Reason.ELIGIBLE)
    assert decision.message.strip()
    assert decision.reason is reference_reason(post, status, authors, policy, duplicate_of)


# --- settings ------------------------------------------------------------------------------


def test_build_settings_returns_the_policy() -> None:
    policy = build_settings(
        IngestionPolicy, prefix="ingestion.", min_content_length=10, deny_patterns=["광고"], max_attempts=4
    )
    assert policy == IngestionPolicy(min_content_length=10, deny_patterns=("광고",), max_attempts=4)
    assert policy.deny_patterns == ("광고",)


@pytest.mark.parametrize(
    ("values", "setting"),
    [
        ({"min_content_length": -1}, "ingestion.min_content_length"),
        ({"deny_patterns": ["광고", "([unclosed"]}, "ingestion.deny_patterns"),
        ({"max_attempts": 0}, "ingestion.max_attempts"),
        ({"max_attempts": 51}, "ingestion.max_attempts"),
    ],
)
def test_invalid_settings_raise_invalid_setting_naming_the_setting(values: dict[str, Any], setting: str) -> None:
    with pytest.raises(InvalidSetting) as info:
        build_settings(IngestionPolicy, prefix="ingestion.", **values)
    assert setting in str(info.value)
    assert setting in info.value.detail
    assert info.value.code == "invalid_setting"
    assert isinstance(info.value, InvalidInput)


def test_invalid_regex_message_quotes_the_pattern() -> None:
    with pytest.raises(InvalidSetting, match=r"\(\[unclosed"):
        build_settings(IngestionPolicy, prefix="ingestion.", deny_patterns=["([unclosed"])


def test_every_bad_setting_is_named_at_once() -> None:
    with pytest.raises(InvalidSetting) as info:
        build_settings(IngestionPolicy, prefix="ingestion.", min_content_length=-5, max_attempts=0)
    assert "ingestion.min_content_length" in info.value.detail
    assert "ingestion.max_attempts" in info.value.detail
