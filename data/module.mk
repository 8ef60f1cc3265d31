# data/: the generator of the embedded synthetic sample (see data/README.md).
