"""Contract of AuthorRepository and BrandRepository, on every unit-of-work implementation."""

from __future__ import annotations

import pytest

from changple_domain.errors import AlreadyExists
from changple_domain.model import AllowedAuthor, GoodToKnowBrand
from changple_domain.model.authors import AuthorGroup
from changple_domain.ports import UnitOfWork


def test_author_round_trip(uow: UnitOfWork) -> None:
    author = AllowedAuthor(name="창플  지기", group=AuthorGroup.TEAM_BUSINESS, active=False)
    with uow:
        uow.authors.add(author)
        uow.commit()
    with uow:
        assert uow.authors.get("창플 지기") == author
        assert uow.authors.get("  창플 지기 ") == author  # names compare after folding white space
        assert uow.authors.get("창플") is None
        assert uow.authors.get("   ") is None


def test_adding_a_taken_author_raises_and_changes_nothing(uow: UnitOfWork) -> None:
    with uow:
        uow.authors.add(AllowedAuthor(name="김사장", group=AuthorGroup.OTHER))
        uow.commit()
    with uow:
        with pytest.raises(AlreadyExists):
            uow.authors.add(AllowedAuthor(name="김사장", group=AuthorGroup.TEAM_BUSINESS, active=False))
        uow.authors.add(AllowedAuthor(name="이사장"))  # the transaction is still usable
        uow.commit()
    with uow:
        assert uow.authors.get("김사장") == AllowedAuthor(name="김사장", group=AuthorGroup.OTHER)
        assert uow.authors.get("이사장") == AllowedAuthor(name="이사장")


def test_saving_an_author_inserts_or_replaces(uow: UnitOfWork) -> None:
    with uow:
        uow.authors.save(AllowedAuthor(name="박사장", group=AuthorGroup.OTHER))
        uow.authors.save(AllowedAuthor(name="박사장", group=AuthorGroup.TEAM_BUSINESS, active=False))
        uow.commit()
    with uow:
        assert uow.authors.list() == [AllowedAuthor(name="박사장", group=AuthorGroup.TEAM_BUSINESS, active=False)]


def test_author_list_filters_and_orders_by_name(uow: UnitOfWork) -> None:
    names = {"창업왕": True, "Alice": True, "김창업": False, "bob": True, "100%_진심": True, "Émile": False}
    with uow:
        for name, active in names.items():
            uow.authors.add(AllowedAuthor(name=name, active=active))
        every = [a.name for a in uow.authors.list()]
        assert every == sorted(names)
        assert [a.name for a in uow.authors.list(enabled_only=True)] == sorted(n for n, a in names.items() if a)
        assert [a.name for a in uow.authors.list(search="창업")] == ["김창업", "창업왕"]
        assert [a.name for a in uow.authors.list(search="창업", enabled_only=True)] == ["창업왕"]
        assert [a.name for a in uow.authors.list(search="ALI")] == ["Alice"]
        assert [a.name for a in uow.authors.list(search="éMI")] == ["Émile"]  # case folding beyond ASCII
        assert [a.name for a in uow.authors.list(search="%_")] == ["100%_진심"]  # no wildcards
        assert [a.name for a in uow.authors.list(search="b_b")] == []
        assert uow.authors.list(search="없는 이름") == []


def test_author_list_filters_by_group(uow: UnitOfWork) -> None:
    groups = {
        "가": AuthorGroup.CHANGPLE,
        "나": AuthorGroup.TEAM_BUSINESS,
        "다": AuthorGroup.OTHER,
        "라": AuthorGroup.OTHER,
    }
    with uow:
        for name, group in groups.items():
            uow.authors.add(AllowedAuthor(name=name, group=group, active=name != "라"))
        uow.commit()
    with uow:
        assert [a.name for a in uow.authors.list(detail="기타")] == ["다", "라"]
        assert uow.authors.list(detail="팀비즈니스") == [AllowedAuthor(name="나", group=AuthorGroup.TEAM_BUSINESS)]
        assert [a.name for a in uow.authors.list(detail="기타", enabled_only=True)] == ["다"]
        assert [a.name for a in uow.authors.list(detail="기타", search="라")] == ["라"]
        assert uow.authors.list(detail="운영진") == []
        assert [a.name for a in uow.authors.list(detail=None)] == ["가", "나", "다", "라"]


def test_brand_round_trip_and_duplicates(uow: UnitOfWork) -> None:
    brand = GoodToKnowBrand(name="교촌치킨", description="간장 치킨으로 유명한 가맹 본부.\n직영점 다수.")
    with uow:
        uow.brands.add(brand)
        uow.commit()
    with uow:
        with pytest.raises(AlreadyExists):
            uow.brands.add(GoodToKnowBrand(name="교촌치킨", description="다른 설명", good_to_know=False))
        uow.commit()
    with uow:
        assert uow.brands.get("교촌치킨") == brand
        assert uow.brands.get("교촌") is None


def test_brand_save_and_list(uow: UnitOfWork) -> None:
    with uow:
        uow.brands.save(GoodToKnowBrand(name="BBQ", description="황금올리브"))
        uow.brands.save(GoodToKnowBrand(name="bhc치킨", good_to_know=False))
        uow.brands.save(GoodToKnowBrand(name="메가커피"))
        uow.brands.save(GoodToKnowBrand(name="BBQ", description="비비큐", good_to_know=False))
        uow.commit()
    with uow:
        assert [b.name for b in uow.brands.list()] == ["BBQ", "bhc치킨", "메가커피"]
        assert uow.brands.list(enabled_only=True) == [GoodToKnowBrand(name="메가커피")]
        assert [b.name for b in uow.brands.list(search="b")] == ["BBQ", "bhc치킨"]
        assert [b.name for b in uow.brands.list(search="치킨")] == ["bhc치킨"]
        assert uow.brands.get("BBQ") == GoodToKnowBrand(name="BBQ", description="비비큐", good_to_know=False)
