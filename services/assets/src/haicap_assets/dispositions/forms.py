"""The order of priority of the forms of handling surplus premises and other public assets.

Source: Decree 186/2025/NĐ-CP (arranging and handling public assets, premises above all,
after the reorganisation of administrative units) and the Ministry of Finance's guidance to
the provinces on it. Read here as:

1. keep and reallocate (giữ lại, bố trí lại) or share use (sử dụng chung) among agencies;
2. transfer (điều chuyển) to another agency, unit or level;
3. repurpose (chuyển đổi công năng) for education or health;
4. repurpose for other public uses: library, culture and sports, storm shelter, farm-supply
   point, other public use;
5. hand over to the province's housing-business or land-fund organisation;
6. sell; 7. liquidate; 8. destroy.

Recovery (thu hồi) happens where the law requires it, whatever the order: it has no rank.

Forms 1-4 keep the asset in public use. Leaving public use (ranks 5-8) needs
``reason_higher_forms_unfit``: a recorded reason why no higher form fits (409
``reason_required`` without one). Each disposition stores its rank, so statistics list plans
in this order.
"""

from __future__ import annotations

from .models import Form, RepurposeTo

FIRST_RANK_NEEDING_REASON = 5

_RANKS: dict[Form, int] = {
    Form.KEEP_REALLOCATE: 1,
    Form.SHARE_USE: 1,
    Form.TRANSFER: 2,
    Form.REPURPOSE: 3,
    Form.HAND_OVER_HOUSING_LAND_FUND: 5,
    Form.SELL: 6,
    Form.LIQUIDATE: 7,
    Form.DESTROY: 8,
    Form.RECOVER: 0,
}
PRIORITY_REPURPOSE = (RepurposeTo.EDUCATION, RepurposeTo.HEALTH)

LABELS: dict[Form, str] = {
    Form.KEEP_REALLOCATE: "Giữ lại tiếp tục sử dụng, bố trí lại",
    Form.SHARE_USE: "Sử dụng chung",
    Form.TRANSFER: "Điều chuyển",
    Form.REPURPOSE: "Chuyển đổi công năng sử dụng",
    Form.HAND_OVER_HOUSING_LAND_FUND: "Giao tổ chức kinh doanh nhà, phát triển quỹ đất của địa phương quản lý, xử lý",
    Form.SELL: "Bán",
    Form.LIQUIDATE: "Thanh lý",
    Form.DESTROY: "Tiêu hủy",
    Form.RECOVER: "Thu hồi",
}

# NOTE: forms whose execution gives the asset a holder (or keeps it with one) in public use.
KEEPS_IN_PUBLIC_USE = frozenset({Form.KEEP_REALLOCATE, Form.SHARE_USE, Form.TRANSFER, Form.REPURPOSE})
NEEDS_RECEIVER = frozenset({Form.TRANSFER})
NO_RECEIVER = frozenset({Form.SELL, Form.LIQUIDATE, Form.DESTROY, Form.RECOVER})


def rank(form: Form, repurpose_to: RepurposeTo | None) -> int:
    """The form's place in the order (1 first; 0 for recovery, which the law imposes)."""
    if form is Form.REPURPOSE and repurpose_to not in PRIORITY_REPURPOSE:
        return 4
    return _RANKS[form]


def needs_reason(form: Form, repurpose_to: RepurposeTo | None) -> bool:
    return rank(form, repurpose_to) >= FIRST_RANK_NEEDING_REASON
