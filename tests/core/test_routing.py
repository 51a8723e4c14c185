from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portside import BindingError
from portside.routing import Router


@pytest.fixture
def router() -> Router:
    r = Router()
    r.add("POST", "/orders", "create")
    r.add("GET", "/orders/{id}", "get")
    r.add("POST", "/orders/{id}/cancel", "cancel")
    r.add("GET", "/orders/export", "export")
    r.add("GET", "/files/{path+}", "files")
    return r


def test_static_beats_parameter(router: Router) -> None:
    assert router.match("GET", "/orders/export")[0].topic == "export"  # type: ignore[union-attr]
    route, params, _ = router.match("GET", "/orders/42")
    assert route is not None and route.topic == "get" and params == {"id": "42"}


def test_trailing_slash_and_double_slash_match(router: Router) -> None:
    for path in ("/orders/", "/orders", "//orders"):
        assert router.match("POST", path)[0] is not None


def test_greedy_tail(router: Router) -> None:
    route, params, _ = router.match("GET", "/files/a/b/c.txt")
    assert route is not None and params == {"path": "a/b/c.txt"}
    assert router.match("GET", "/files")[0] is None


def test_wrong_method_lists_allowed(router: Router) -> None:
    route, _, allowed = router.match("DELETE", "/orders/1")
    assert route is None and allowed == ("GET", "HEAD")
    assert router.match("GET", "/nowhere") == (None, {}, ())


def test_head_falls_back_to_get(router: Router) -> None:
    assert router.match("HEAD", "/orders/1")[0].topic == "get"  # type: ignore[union-attr]


def test_conflicts_are_startup_errors() -> None:
    r = Router()
    r.add("GET", "/a/{id}", "x")
    with pytest.raises(BindingError, match="bound twice"):
        r.add("GET", "/a/{id}/", "y")
    with pytest.raises(BindingError, match="clashes"):
        r.add("POST", "/a/{key}", "y")
    with pytest.raises(BindingError, match="last segment"):
        r.add("GET", "/b/{rest+}/c", "y")


def test_cost_does_not_grow_with_route_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counted, not timed: the tree nodes a match visits depend on the path, not the route count."""
    visits = 0
    collect = Router._collect

    def counting(self: Router, *args: object) -> None:
        nonlocal visits
        visits += 1
        collect(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Router, "_collect", counting)

    def visits_for(count: int) -> int:
        nonlocal visits
        r = Router()
        for i in range(count):
            r.add("GET", f"/resource{i}/{{id}}", f"t{i}")
            r.add("POST", f"/static{i}", f"s{i}")
        visits = 0
        route, params, _ = r.match("GET", f"/resource{count - 1}/abc")
        assert route is not None and params == {"id": "abc"}
        assert r.match("POST", f"/static{count - 1}/")[0] is not None  # the static table: no walk
        return visits

    assert visits_for(10) == visits_for(5000) == 3


# --------------------------------------------------------------------- find, the lanes' shortcut
TEMPLATES = [
    ("POST", "/orders"), ("GET", "/orders/{id}"), ("POST", "/orders/{id}/cancel"), ("GET", "/orders/export"),
    ("GET", "/files/{path+}"), ("PUT", "/orders/export"), ("GET", "/a/b/c"), ("GET", "/a/{x}/c"),
    ("DELETE", "/a/{x}"), ("GET", "/"), ("POST", "/{thing}"), ("GET", "/r/{id}/items/{item}"),
    ("GET", "/deep/only"), ("GET", "/odd%2Fname/{id}"),
]
SEGMENTS = st.sampled_from(["orders", "export", "cancel", "a", "b", "c", "x", "files", "r", "items", "deep",
                            "only", "42", "", "odd%2Fname", "odd", "name", "%20", "é"])


@settings(max_examples=600, deadline=None)
@given(st.data(), st.sets(st.sampled_from(range(len(TEMPLATES))), min_size=1))
def test_find_gives_what_match_gives_or_nothing(data: st.DataObject, chosen: set[int]) -> None:
    router = Router()
    for index in sorted(chosen):
        router.add(*TEMPLATES[index], f"t{index}")
    if data.draw(st.booleans()):  # a path made from one of the templates: usually a route
        method, template = TEMPLATES[data.draw(st.sampled_from(sorted(chosen)))]
        method = data.draw(st.sampled_from([method, method, "GET", "HEAD"]))
        segments = [data.draw(SEGMENTS) if "{" in part else part for part in template.split("/")[1:]]
    else:
        method = data.draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD"]))
        segments = data.draw(st.lists(SEGMENTS, max_size=5))
    path = "/" + "/".join(segments) + ("/" if data.draw(st.booleans()) else "")
    found = router.find(method, path)
    route, params, _ = router.match(method, path)
    if found is not None:
        assert (found[0], found[1]) == (route, params)


def test_find_serves_a_parameter_under_a_static_parent(router: Router) -> None:
    found = router.find("GET", "/orders/42")
    assert found is not None and found[0].topic == "get" and found[1] == {"id": "42"}
    assert router.find("GET", "/orders/export")[0].topic == "export"  # type: ignore[index]
    assert router.find("HEAD", "/orders/42") is None  # HEAD falls back to GET in match only
