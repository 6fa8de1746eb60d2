"""`omsViewer`: each caller learns its own role, bounds and what the matrix lets it call."""

from __future__ import annotations

from domain.access import Role
from tests.api.principals import token_for
from tests.harness import Api

VIEWER = """{ omsViewer { role anonymous locations channels scopes
  reissue: may(operation: "Mutation.reissueCollectionCode") collect: may(operation: "Mutation.confirmCollection")
  upsertPickProcess: may(operation: "Mutation.upsertPickProcess") nonsense: may(operation: "Mutation.nope") } }"""


async def test_each_caller_sees_its_own_role_bounds_and_allowed_operations(api: Api) -> None:
    associate = await token_for(api.server, Role.STORE_ASSOCIATE, locations={"s1"})
    manager = await token_for(api.server, Role.STORE_MANAGER, locations={"s1", "s2"})
    carrier = await token_for(api.server, Role.INTEGRATION, scopes={"fulfillment:write"})
    seen = {
        name: (await api.gql(VIEWER, token=token))["omsViewer"]
        for name, token in (("anonymous", None), ("associate", associate), ("manager", manager), ("carrier", carrier))
    }
    assert seen["anonymous"] | {"role": None} == {
        "role": None,
        "anonymous": True,
        "locations": None,
        "channels": None,
        "scopes": [],
        "reissue": False,
        "collect": False,
        "upsertPickProcess": False,
        "nonsense": False,
    }
    assert (seen["associate"]["role"], seen["associate"]["locations"]) == ("STORE_ASSOCIATE", ["s1"])
    assert (seen["associate"]["reissue"], seen["associate"]["collect"]) == (False, True)
    assert (seen["manager"]["locations"], seen["manager"]["reissue"]) == (["s1", "s2"], True)
    assert seen["manager"]["upsertPickProcess"] is False  # admin only
    assert (seen["carrier"]["scopes"], seen["carrier"]["collect"]) == (["fulfillment:write"], False)
    admin = (await api.gql(VIEWER))["omsViewer"]
    assert (admin["role"], admin["locations"], admin["upsertPickProcess"], admin["nonsense"]) == (
        "ADMIN",
        None,
        True,
        False,
    )
