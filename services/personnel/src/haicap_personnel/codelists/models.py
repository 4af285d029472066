"""The code lists' entries, each valid over an interval like a unit."""

from __future__ import annotations

import enum


class CodeListName(enum.StrEnum):
    """The lists personnel keeps, as they appear in ``/code-lists/{list}``."""

    ETHNICITY = "ethnicity"  # dân tộc, QCVN 109:2017/BTTTT
    RELIGION = "religion"  # tôn giáo, QCVN 109:2017/BTTTT
    CIVIL_SERVICE_GRADE = "civil-service-grade"  # ngạch công chức, with its salary table
    PROFESSIONAL_TITLE = "professional-title"  # chức danh nghề nghiệp viên chức, with its salary table
    LEADERSHIP_POSITION = "leadership-position"  # chức vụ lãnh đạo, quản lý
    EDUCATION_LEVEL = "education-level"  # trình độ chuyên môn
    POLITICAL_THEORY = "political-theory"  # lý luận chính trị
    STATE_MANAGEMENT = "state-management"  # quản lý nhà nước
    COMMENDATION_FORM = "commendation-form"  # hình thức khen thưởng
    DISCIPLINE_FORM = "discipline-form"  # hình thức kỷ luật (cadres, civil servants, public employees differ)
