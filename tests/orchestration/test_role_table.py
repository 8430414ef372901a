import pytest

from grondwerk.orchestration.web.roles import ROLES, role_table, roles_of


def test_role_table_parses_users_and_multiple_roles():
    table = role_table("anna:inkoper, bert:bodemteam+toezicht,")
    assert table == {"anna": frozenset({"inkoper"}), "bert": frozenset({"bodemteam", "toezicht"})}


def test_unknown_role_is_rejected():
    with pytest.raises(ValueError, match="unknown role 'baas'"):
        role_table("anna:baas")


def test_airflow_admin_has_every_role():
    assert roles_of("root", "admin", spec="") == frozenset(ROLES)


def test_user_without_entry_has_no_role():
    assert roles_of("mallory", "user", spec="anna:inkoper") == frozenset()
