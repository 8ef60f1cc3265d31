# tests/hardening.mk: memory checking beyond `make test SANITIZE=1`.
#   make valgrind    each program end to end under valgrind memcheck (tests/valgrind.sh):
#                    no error, no definite leak. A few minutes; not part of `make test`.
.PHONY: valgrind
valgrind: $(PROGRAMS)
	@BIN=$(abspath $(BIN)) bash tests/valgrind.sh
