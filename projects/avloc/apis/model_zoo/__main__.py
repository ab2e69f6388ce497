"""``python -m avloc.apis.model_zoo``: see :mod:`avloc.apis.model_zoo.cli`."""
from avloc.apis.model_zoo.cli import main

main()
