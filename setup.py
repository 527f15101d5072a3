"""Everything about the package is in pyproject.toml except one mapping it cannot express:
the top-level ``resources/`` folder goes into the wheel as ``videolab/resources/`` (one copy
in git, found by ``videolab.shipped`` in a source tree, an editable install, a wheel and a
PyInstaller bundle alike). Its folders are listed as (namespace) packages so that setuptools
copies their files as package data."""

from setuptools import find_namespace_packages, find_packages, setup

resources = ["videolab.resources"] + [
    f"videolab.resources.{name}" for name in find_namespace_packages(where="resources")
]

setup(
    packages=[*find_packages(include=["videolab", "videolab.*"]), *resources],
    package_dir={"videolab.resources": "resources"},
    package_data={
        "videolab": ["py.typed", "db/migrations/*.py", "db/migrations/versions/*.py"],
        **{name: ["*"] for name in resources},
    },
)
