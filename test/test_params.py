from dataclasses import dataclass

import pytest

from ros_tracker.params import params_from_dict, params_to_dict


@dataclass(frozen=True)
class Example:
    rate: float = 1.5
    count: int = 2
    flag: bool = False
    name: str = 'x'


def test_defaults_and_int_to_float():
    params = params_from_dict(Example, {'rate': 3, 'flag': True})
    assert params == Example(rate=3.0, count=2, flag=True)
    assert isinstance(params.rate, float)
    assert params_to_dict(params) == {'rate': 3.0, 'count': 2, 'flag': True, 'name': 'x'}


def test_unknown_key_is_an_error_listing_accepted_keys():
    with pytest.raises(ValueError, match=r"unknown Example parameter\(s\) \['rte'\]; "
                                         r"accepted: \['count', 'flag', 'name', 'rate'\]"):
        params_from_dict(Example, {'rte': 1.0})


@pytest.mark.parametrize('values, message', [
    ({'count': 2.5}, "'count' must be a int"),
    ({'flag': 1}, "'flag' must be true or false"),
    ({'name': 3}, "'name' must be a str"),
])
def test_wrong_types_are_errors(values, message):
    with pytest.raises(ValueError, match=message):
        params_from_dict(Example, values)


@dataclass(frozen=True)
class WithLists:
    sizes: tuple = (1.0, 2.0)
    angles: tuple = (5, -5)


def test_lists_become_tuples_of_the_default_element_type():
    params = params_from_dict(WithLists, {'sizes': [3, 4.5], 'angles': [10]})
    assert params == WithLists(sizes=(3.0, 4.5), angles=(10,))
    with pytest.raises(ValueError, match="'angles' must be a list of int"):
        params_from_dict(WithLists, {'angles': [1.5]})
    with pytest.raises(ValueError, match="'sizes' must be a list of float"):
        params_from_dict(WithLists, {'sizes': ['a']})
