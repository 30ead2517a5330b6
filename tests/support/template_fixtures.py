"""template.yaml as the template tests read it: `source` (the SAM template) and `cfn` (translated to plain
CloudFormation), once per module. Import both names into a test module to use them."""
from __future__ import annotations

import pytest

from hub.local.template import DEFAULT_TEMPLATE, load_template, translate


@pytest.fixture(scope="module")
def source():
    return load_template(DEFAULT_TEMPLATE)


@pytest.fixture(scope="module")
def cfn(source):
    return translate(source)
