"""Sphinx configuration of the sklearn-recon documentation.

Build it from the repository root with warnings as errors::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The build runs every example in ``examples/`` (sphinx-gallery) and needs
nothing from the network: there is no intersphinx; references to
scikit-learn's API and glossary are turned into links to its online pages by
:func:`_link_to_sklearn` below.
"""

import os
import sys
from pathlib import Path

# Quiet TensorFlow's C++ start-up messages in the build log.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Examples draw their figures off-screen.
os.environ.setdefault("MPLBACKEND", "agg")

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # document the checkout, not an installed copy

import sklearn_recon  # noqa: E402

# The gallery reads the data that is not bundled (paper mill, UCR discords)
# from $SKLEARN_RECON_DATA, by default ../shared/data beside the repository.
os.environ.setdefault("SKLEARN_RECON_DATA", str(ROOT.parent / "shared" / "data"))

project = "sklearn-recon"
author = "the sklearn-recon developers"
copyright = "the sklearn-recon developers"
release = sklearn_recon.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "sphinx_design",
    # the pictures of the user guide's plotting page, drawn by the build
    "matplotlib.sphinxext.plot_directive",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.md5"]
default_role = "literal"

# -- autodoc / autosummary ---------------------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"

# -- numpydoc ----------------------------------------------------------------
numpydoc_show_class_members = False  # the class template lists the methods
numpydoc_class_members_toctree = False
# The same checks as tests/test_docstrings.py (which says why these are off).
numpydoc_validation_checks = {
    "all",
    "GL01",
    "GL02",
    "ES01",
    "SA01",
    "EX01",
    "RT02",
    "SS05",
}
# Validate our own objects only (not scikit-learn's inherited methods).
numpydoc_validation_exclude = {
    r"^(?!sklearn_recon\.)",  # scikit-learn's inherited methods
    # The abstract bases: their concrete subclasses document the parameters.
    r"^sklearn_recon\.base\.Base\w+$",
}

# -- matplotlib's plot directive ---------------------------------------------
plot_formats = [("png", 100)]
plot_html_show_formats = False
plot_html_show_source_link = False

# -- sphinx-gallery ----------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "abort_on_example_error": True,
    "doc_module": ("sklearn_recon",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"sklearn_recon": None},  # local links only, no download
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "show_memory": False,
    "min_reported_time": 5,
}

# -- HTML --------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-recon {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "header_links_before_dropdown": 5,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "secondary_sidebar_items": ["page-toc", "sg_download_links", "sg_launcher_links"],
}
# No left column on the gallery pages: their code needs the width.
html_sidebars = {"getting_started": [], "index": [], "auto_examples/*": []}
html_show_sourcelink = False


# -- offline links to scikit-learn ---------------------------------------------
SKLEARN_URL = "https://scikit-learn.org/stable/"


def _link_to_sklearn(app, env, node, contnode):
    """Resolve ``sklearn.*`` objects and glossary terms to scikit-learn's pages.

    Docstrings here reference scikit-learn as scikit-learn's own do
    (``:class:`~sklearn.ensemble.IsolationForest```, ``:term:`fit```).
    Without intersphinx (which downloads an inventory at build time) these
    would be unresolved; this builds the same links from the names.
    """
    from docutils import nodes

    target = node.get("reftarget", "")
    if node.get("refdomain") == "py" and target.startswith("sklearn."):
        module, _, name = target.rpartition(".")
        if name[:1].isupper() or node.get("reftype") in ("func", "function"):
            uri = f"{SKLEARN_URL}modules/generated/{target}.html"
        elif node.get("reftype") == "mod":
            uri = f"{SKLEARN_URL}api/{target}.html"
        else:  # a method or attribute: link to its class's page
            uri = f"{SKLEARN_URL}modules/generated/{module}.html#{target}"
    elif node.get("refdomain") == "std" and node.get("reftype") == "term":
        anchor = "term-" + nodes.make_id(target).replace("_", "-")
        uri = f"{SKLEARN_URL}glossary.html#{anchor}"
    else:
        return None
    reference = nodes.reference("", "", internal=False, refuri=uri)
    reference.append(contnode)
    return reference


def _skip_foreign_members(app, what, name, obj, skip, options):
    """Document the members defined in sklearn_recon, not scikit-learn's.

    The inherited ``get_params``, ``set_params``, ``fit_predict``, ``score``
    and metadata-routing methods are scikit-learn's, documented there; their
    docstrings link to pages of scikit-learn's user guide.
    """
    if what != "class" or skip:
        return None
    function = getattr(obj, "fget", obj)
    module = getattr(function, "__module__", None) or ""
    if module and not module.startswith("sklearn_recon"):
        return True
    return None


def setup(app):
    app.connect("missing-reference", _link_to_sklearn)
    app.connect("autodoc-skip-member", _skip_foreign_members)
