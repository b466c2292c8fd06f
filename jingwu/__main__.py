from jingwu.cli import main

main()
