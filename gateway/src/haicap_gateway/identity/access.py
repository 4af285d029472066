"""Who may use the identity routes: user management is for admins only."""

from typing import Annotated

from fastapi import Depends

from haicap_shared.auth import Principal, require
from haicap_shared.roles import Role

UsersRead = Annotated[Principal, Depends(require(Role.ADMIN))]
UsersWrite = Annotated[Principal, Depends(require(Role.ADMIN, writes=True))]
