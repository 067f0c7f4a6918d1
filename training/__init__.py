"""Training: the synthetic speech corpus factory, the phonetic teacher, datasets,
training and evaluation. Importing a module does no work; scripts are ``main(argv)``."""
