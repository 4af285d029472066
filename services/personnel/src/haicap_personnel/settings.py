from decimal import Decimal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from haicap_shared.settings import ServiceSettings


class PersonnelSettings(ServiceSettings):
    """personnel's settings, from ``HAICAP_PERSONNEL_*`` variables (e.g. ``HAICAP_PERSONNEL_DATABASE_URL``).

    org-structure is reached through the gateway (``HAICAP_PERSONNEL_GATEWAY_URL``) with this
    service's account (``HAICAP_PERSONNEL_CLIENT_ID`` / ``_CLIENT_SECRET``, ``_TOKEN_URL``).

    Documents attached to career events are kept in ``var_dir/documents`` unless an
    S3-compatible store is configured (``HAICAP_PERSONNEL_DOCUMENTS_S3_ENDPOINT_URL`` and
    ``_BUCKET``, with its keys and region).
    """

    model_config = SettingsConfigDict(env_prefix="HAICAP_PERSONNEL_", extra="ignore")

    service_name: str = "personnel"
    port: int = 8002
    org_path: str = Field(default="/api/v1/org", description="Where the gateway publishes org-structure")
    base_salary_vnd: Decimal = Field(
        default=Decimal(2340000), gt=0, description="Mức lương cơ sở (Nghị định 73/2024/NĐ-CP), the default for the calculator"
    )
    documents_max_bytes: int = Field(
        default=20 * 1024 * 1024, gt=0, le=50 * 1024 * 1024, description="Largest document (PDF) attached to a career event"
    )
    documents_s3_endpoint_url: str = Field(
        default="", description="An S3-compatible store for documents (e.g. https://s3.example.gov.vn); empty: var_dir/documents"
    )
    documents_s3_bucket: str = Field(default="", description="The bucket documents go to (with the endpoint)")
    documents_s3_prefix: str = Field(default="documents/", description="The key prefix of documents in the bucket")
    documents_s3_access_key_id: str = Field(default="", description="The store's access key id")
    documents_s3_secret_access_key: SecretStr = Field(default=SecretStr(""), description="The store's secret key")
    documents_s3_region: str = Field(default="us-east-1", description="The store's region")
