import pytest


@pytest.mark.django_db
def test_login_page_renders_in_chinese(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert "警务工作平台" in response.content.decode()


def test_org_tree_fixture_scopes_people(org):
    from jingwu.org.models import Person

    visible = set(Person.objects.visible_to(org.lead_a).values_list("name", flat=True))
    assert "张三丰" in visible and "李四海" not in visible
