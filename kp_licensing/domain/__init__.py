"""Pure rules of the Kimberley Process in Macao: no I/O, importable from workflows."""
