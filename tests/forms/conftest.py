import pytest

from formservice.forms import options


@pytest.fixture
def form_options():
    """forms.options, put back to its defaults after the test."""
    options.reset()
    yield options
    options.reset()
