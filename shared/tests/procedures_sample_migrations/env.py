# NOTE: the procedures sample's metadata is only needed for autogenerate, which tests never run.
from sqlalchemy import MetaData

from haicap_shared.migrations import run_env

run_env(MetaData())
