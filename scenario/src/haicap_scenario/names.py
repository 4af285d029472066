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

# --- People ---------------------------------------------------------------------------
# NOTE: weights are rough shares among Cao Bằng's cadres and public employees: Tày and Nùng
# names (Nông, Hoàng, Lương, Đàm, Bế, Lục, Hà, Triệu...) next to the common Kinh ones.
FAMILY_NAMES = (
    ("Nông", 12),
    ("Hoàng", 12),
    ("Nguyễn", 11),
    ("Lương", 7),
    ("Đàm", 6),
    ("Bế", 6),
    ("Lục", 5),
    ("Hà", 5),
    ("Trần", 5),
    ("Lê", 5),
    ("Triệu", 5),
    ("Ma", 3),
    ("Đinh", 3),
    ("Lý", 3),
    ("Phùng", 2),
    ("Mạc", 2),
    ("Vi", 2),
    ("Dương", 2),
    ("Sầm", 1),
    ("Lâm", 1),
    ("Chu", 1),
    ("Phạm", 2),
    ("Vũ", 1),
)
MIDDLE_NAMES = {
    "male": ("Văn", "Văn", "Văn", "Đức", "Quang", "Minh", "Hữu", "Thanh", "Xuân", "Ngọc"),
    "female": ("Thị", "Thị", "Thị", "Thị", "Thu", "Thanh", "Ngọc", "Hồng", "Diệu", "Phương"),
}
GIVEN_NAMES = {
    "male": (
        "An",
        "Bình",
        "Cường",
        "Dũng",
        "Đạt",
        "Giang",
        "Hải",
        "Hiếu",
        "Hoàng",
        "Hùng",
        "Huy",
        "Khánh",
        "Kiên",
        "Lâm",
        "Long",
        "Mạnh",
        "Nam",
        "Nghĩa",
        "Phong",
        "Phúc",
        "Quân",
        "Quyết",
        "Sơn",
        "Thắng",
        "Thành",
        "Tiến",
        "Toàn",
        "Trung",
        "Tuấn",
        "Tùng",
        "Vinh",
        "Việt",
        "Chiến",
        "Định",
        "Hưng",
        "Lợi",
        "Thái",
    ),
    "female": (
        "Anh",
        "Chi",
        "Dung",
        "Duyên",
        "Hà",
        "Hạnh",
        "Hằng",
        "Hiền",
        "Hoa",
        "Huệ",
        "Hương",
        "Lan",
        "Liên",
        "Linh",
        "Loan",
        "Mai",
        "Ngân",
        "Nhung",
        "Oanh",
        "Phượng",
        "Quỳnh",
        "Thảo",
        "Thơm",
        "Thủy",
        "Trang",
        "Tuyết",
        "Uyên",
        "Vân",
        "Xuân",
        "Yến",
        "Lụa",
        "Nguyệt",
        "Thắm",
        "Diệp",
    ),
}
# Ethnicities as their codes in QCVN 109:2017/BTTTT (personnel's ``ethnicity`` list): Tày 02,
# Nùng 07, Kinh 01, Dao 09, HMông 08, Sán Chay 15.
KINH = "01"
ETHNICITIES = (("02", 40), ("07", 28), (KINH, 16), ("09", 7), ("08", 7), ("15", 2))
# Religions as their codes in personnel's ``religion`` list: most follow none (00), some Buddhism
# (01), a few Catholicism (02) or Protestantism (03).
RELIGIONS = (("00", 86), ("01", 9), ("02", 3), ("03", 2))
# Provinces of birth (national-id prefixes): mostly Cao Bằng, some from its neighbours and Hà Nội.
BIRTH_PROVINCES = (("004", 88), ("006", 3), ("020", 3), ("019", 2), ("001", 2), ("008", 2))

# Fields of study that suit each kind of organisation (a position's required fields).
FIELDS = {
    "commune_office": ("Luật", "Hành chính học", "Quản lý nhà nước", "Văn thư - Lưu trữ"),
    "commune_economic_office": ("Kinh tế", "Quản lý đất đai", "Nông nghiệp", "Kế toán"),
    "commune_economic_urban_office": ("Kinh tế", "Quản lý đất đai", "Xây dựng", "Kế toán"),
    "commune_culture_social_office": ("Văn hóa học", "Công tác xã hội", "Sư phạm", "Y tế công cộng"),
    "commune_service_centre": ("Công nghệ thông tin", "Luật", "Hành chính học", "Quản trị văn phòng"),
    "former_committee": ("Luật", "Hành chính học", "Kinh tế", "Nông nghiệp", "Quản lý đất đai", "Văn hóa học"),
}
SECTOR_FIELDS = {
    "Nội vụ": ("Hành chính học", "Quản lý nhà nước", "Luật"),
    "Tư pháp": ("Luật",),
    "Tài chính": ("Kinh tế", "Tài chính - Ngân hàng", "Kế toán"),
    "Công Thương": ("Kinh tế", "Quản trị kinh doanh", "Kỹ thuật điện"),
    "Nông nghiệp và Môi trường": ("Nông nghiệp", "Lâm nghiệp", "Quản lý đất đai", "Khoa học môi trường"),
    "Xây dựng": ("Xây dựng", "Kiến trúc", "Giao thông"),
    "Khoa học và Công nghệ": ("Công nghệ thông tin", "Điện tử - Viễn thông"),
    "Văn hóa, Thể thao và Du lịch": ("Văn hóa học", "Du lịch", "Quản lý văn hóa"),
    "Giáo dục và Đào tạo": ("Sư phạm", "Quản lý giáo dục"),
    "Y tế": ("Y khoa", "Y tế công cộng", "Dược"),
    "Thanh tra": ("Luật", "Kinh tế"),
    "Văn phòng": ("Hành chính học", "Luật", "Kinh tế"),
    "Dân tộc và Tôn giáo": ("Dân tộc học", "Văn hóa học", "Luật"),
    "Ngoại vụ": ("Quan hệ quốc tế", "Ngôn ngữ Trung Quốc", "Luật"),
}
OTHER_FIELDS = ("Triết học", "Lịch sử", "Ngữ văn", "Quản trị kinh doanh", "Tiếng Anh", "Chăn nuôi thú y")

# Public service units (đơn vị sự nghiệp công lập) of the province, where its public employees work.
PUBLIC_SERVICE_UNITS = (
    ("Trung tâm Kiểm soát bệnh tật", "Y tế"),
    ("Trường Cao đẳng Cao Bằng", "Giáo dục và Đào tạo"),
    ("Trung tâm Dịch vụ nông nghiệp", "Nông nghiệp và Môi trường"),
    ("Trung tâm Phát triển quỹ đất", "Nông nghiệp và Môi trường"),
    ("Trung tâm Lưu trữ lịch sử", "Nội vụ"),
    ("Trung tâm Văn hóa - Nghệ thuật", "Văn hóa, Thể thao và Du lịch"),
    ("Trung tâm Công nghệ thông tin và Truyền thông", "Khoa học và Công nghệ"),
    ("Trung tâm Trợ giúp pháp lý nhà nước", "Tư pháp"),
)

# --- Places and assets -------------------------------------------------------------------
# Village names in the Tày-Nùng manner (Nà: field, Bản: village, Khuổi: stream, Lũng: valley...).
VILLAGE_FIRST = ("Nà", "Bản", "Khuổi", "Lũng", "Pác", "Cốc", "Phja", "Khau", "Slam", "Thôm", "Pò", "Nặm", "Đông", "Tổng")
VILLAGE_SECOND = (
    "Rị",
    "Chang",
    "Lừa",
    "Mật",
    "Bó",
    "Phường",
    "Đin",
    "Sliến",
    "Mò",
    "Kéo",
    "Ngần",
    "Lạn",
    "Giàng",
    "Pàn",
    "Vạc",
    "Luông",
    "Bưa",
    "Khoang",
    "Nưa",
    "Cáp",
    "Thin",
    "Hoi",
    "Lẹng",
    "Pết",
    "Sàng",
    "Mạ",
)
COMMUNE_PREMISES = (
    "Trụ sở Đảng ủy - HĐND - UBND",
    "Hội trường",
    "Nhà làm việc Ban chỉ huy quân sự",
    "Điểm bưu điện - văn hóa",
    "Nhà kho",
    "Sân vận động",
    "Chợ",
)
DISTRICT_PREMISES = (
    "Trụ sở Huyện ủy - HĐND - UBND",
    "Trụ sở các phòng chuyên môn",
    "Nhà khách",
    "Trung tâm Văn hóa - Thể thao",
    "Hội trường",
    "Kho lưu trữ",
    "Nhà công vụ",
    "Trụ sở Ban quản lý dự án",
    "Trụ sở Trung tâm Dịch vụ nông nghiệp",
    "Nhà truyền thống",
)
CAR_MODELS = (
    ("Toyota Fortuner", 7),
    ("Toyota Innova", 8),
    ("Ford Everest", 7),
    ("Mitsubishi Pajero Sport", 7),
    ("Toyota Hilux", 5),
)
