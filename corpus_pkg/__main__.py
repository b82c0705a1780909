from corpus_pkg.cli import main

main()
