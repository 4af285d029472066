"""Plausible Vietnamese names: agencies, offices, sectors, ministries and task wording."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sector:
    name: str
    abbreviation: str
    ministry: str
    department: str  # the provincial agency that leads it (its name before " tỉnh ...")
    district_office: str  # the former district office that held it
    commune_office: str  # the commune organisation that takes it over: office, economic, culture_social
    objects: tuple[str, ...]


SECTORS = (
    Sector(
        "Nội vụ",
        "NV",
        "Bộ Nội vụ",
        "Sở Nội vụ",
        "Phòng Nội vụ",
        "office",
        (
            "tổ chức bộ máy",
            "biên chế công chức",
            "vị trí việc làm",
            "thi đua, khen thưởng",
            "cải cách hành chính",
            "văn thư, lưu trữ",
            "chính quyền địa phương",
            "đào tạo, bồi dưỡng cán bộ",
        ),
    ),
    Sector(
        "Tư pháp",
        "TP",
        "Bộ Tư pháp",
        "Sở Tư pháp",
        "Phòng Tư pháp",
        "office",
        (
            "hộ tịch",
            "chứng thực",
            "phổ biến, giáo dục pháp luật",
            "hòa giải ở cơ sở",
            "trợ giúp pháp lý",
            "lý lịch tư pháp",
            "kiểm tra văn bản quy phạm pháp luật",
        ),
    ),
    Sector(
        "Tài chính",
        "TC",
        "Bộ Tài chính",
        "Sở Tài chính",
        "Phòng Tài chính - Kế hoạch",
        "economic",
        (
            "ngân sách địa phương",
            "quản lý tài sản công",
            "giá",
            "đầu tư công",
            "đăng ký kinh doanh",
            "kinh tế tập thể",
            "quyết toán vốn đầu tư",
        ),
    ),
    Sector(
        "Công Thương",
        "CT",
        "Bộ Công Thương",
        "Sở Công Thương",
        "Phòng Kinh tế và Hạ tầng",
        "economic",
        (
            "thương mại biên giới",
            "chợ và trung tâm thương mại",
            "an toàn điện",
            "cụm công nghiệp",
            "khuyến công",
            "xúc tiến thương mại",
        ),
    ),
    Sector(
        "Nông nghiệp và Môi trường",
        "NM",
        "Bộ Nông nghiệp và Môi trường",
        "Sở Nông nghiệp và Môi trường",
        "Phòng Tài nguyên và Môi trường",
        "economic",
        (
            "đất đai",
            "bảo vệ môi trường",
            "tài nguyên nước",
            "thủy lợi",
            "lâm nghiệp",
            "phòng, chống thiên tai",
            "bảo vệ thực vật",
            "thú y",
            "xây dựng nông thôn mới",
        ),
    ),
    Sector(
        "Xây dựng",
        "XD",
        "Bộ Xây dựng",
        "Sở Xây dựng",
        "Phòng Kinh tế và Hạ tầng",
        "economic",
        (
            "quy hoạch xây dựng",
            "cấp phép xây dựng",
            "giao thông nông thôn",
            "nhà ở",
            "vật liệu xây dựng",
            "hạ tầng kỹ thuật đô thị",
        ),
    ),
    Sector(
        "Khoa học và Công nghệ",
        "KH",
        "Bộ Khoa học và Công nghệ",
        "Sở Khoa học và Công nghệ",
        "Phòng Văn hóa và Thông tin",
        "culture_social",
        (
            "chuyển đổi số",
            "bưu chính, viễn thông",
            "tiêu chuẩn, đo lường, chất lượng",
            "sở hữu trí tuệ",
            "ứng dụng công nghệ thông tin",
        ),
    ),
    Sector(
        "Văn hóa, Thể thao và Du lịch",
        "VH",
        "Bộ Văn hóa, Thể thao và Du lịch",
        "Sở Văn hóa, Thể thao và Du lịch",
        "Phòng Văn hóa và Thông tin",
        "culture_social",
        (
            "di sản văn hóa",
            "thể dục, thể thao quần chúng",
            "du lịch cộng đồng",
            "gia đình",
            "lễ hội",
            "thư viện, thiết chế văn hóa cơ sở",
            "quảng cáo",
        ),
    ),
    Sector(
        "Giáo dục và Đào tạo",
        "GD",
        "Bộ Giáo dục và Đào tạo",
        "Sở Giáo dục và Đào tạo",
        "Phòng Giáo dục và Đào tạo",
        "culture_social",
        (
            "giáo dục mầm non",
            "giáo dục tiểu học",
            "giáo dục trung học cơ sở",
            "phổ cập giáo dục",
            "xóa mù chữ",
            "đội ngũ nhà giáo",
        ),
    ),
    Sector(
        "Y tế",
        "YT",
        "Bộ Y tế",
        "Sở Y tế",
        "Phòng Y tế",
        "culture_social",
        (
            "y tế cơ sở",
            "an toàn thực phẩm",
            "dân số",
            "bảo hiểm y tế",
            "phòng, chống dịch bệnh",
            "bảo trợ xã hội",
            "chăm sóc người cao tuổi",
        ),
    ),
    Sector(
        "Thanh tra",
        "TT",
        "Thanh tra Chính phủ",
        "Thanh tra tỉnh",
        "Thanh tra",
        "office",
        ("tiếp công dân", "giải quyết khiếu nại", "giải quyết tố cáo", "phòng, chống tham nhũng", "thanh tra hành chính"),
    ),
    Sector(
        "Văn phòng",
        "VP",
        "Văn phòng Chính phủ",
        "Văn phòng Ủy ban nhân dân tỉnh",
        "Văn phòng HĐND và UBND",
        "office",
        ("kiểm soát thủ tục hành chính", "một cửa, một cửa liên thông", "công báo", "tổng hợp, báo cáo", "lễ tân, hành chính"),
    ),
    Sector(
        "Dân tộc và Tôn giáo",
        "DT",
        "Bộ Dân tộc và Tôn giáo",
        "Sở Dân tộc và Tôn giáo",
        "Phòng Dân tộc",
        "culture_social",
        ("chính sách dân tộc", "tín ngưỡng, tôn giáo", "người có uy tín", "vùng đồng bào dân tộc thiểu số"),
    ),
    Sector(
        "Ngoại vụ",
        "NG",
        "Bộ Ngoại giao",
        "Sở Ngoại vụ",
        "Văn phòng HĐND và UBND",
        "office",
        ("công tác biên giới", "hợp tác quốc tế", "đoàn ra, đoàn vào", "người Việt Nam ở nước ngoài"),
    ),
)

VERBS = (
    "Quản lý nhà nước về",
    "Hướng dẫn, kiểm tra",
    "Tổ chức thực hiện",
    "Thẩm định hồ sơ",
    "Cấp, gia hạn, thu hồi giấy phép",
    "Tổng hợp, báo cáo",
    "Xây dựng kế hoạch",
    "Giải quyết thủ tục hành chính về",
    "Theo dõi, đánh giá",
    "Tuyên truyền, phổ biến",
    "Phê duyệt phương án",
    "Thống kê, cập nhật cơ sở dữ liệu",
)

FORMER_COMMUNE_OFFICE = "Ủy ban nhân dân"
