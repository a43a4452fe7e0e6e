# mk/install.mk - make install / make uninstall, included by the Makefile
# (whose PREFIX, DESTDIR, B, LIB_A, LIB_SO, SIOC, VERSION, SONAME_MAJOR
# and CLIENT_JS it uses).
#
#   $(PREFIX)/bin/sioc
#   $(PREFIX)/include/sio/*.h          pkg-config adds -I$(PREFIX)/include/sio
#   $(PREFIX)/lib/libsio.a, libsio.so.$(VERSION) (+ .so.0, .so links)
#   $(PREFIX)/lib/pkgconfig/libsio.pc
#   $(PREFIX)/share/man/man1/sioc.1, man3/libsio.3
#   $(PREFIX)/share/sioc/socket.io.js  the browser client (socket.io-client)
#
# The headers get a directory of their own: eio.h and sio.h are names
# another library could also use in the include root.

INC_DIR := $(DESTDIR)$(PREFIX)/include/sio
LIB_DIR := $(DESTDIR)$(PREFIX)/lib
BIN_DIR := $(DESTDIR)$(PREFIX)/bin
MAN_DIR := $(DESTDIR)$(PREFIX)/share/man
DATA_DIR := $(DESTDIR)$(PREFIX)/share/sioc
PUBLIC_HEADERS := $(wildcard runtime/include/*.h)

install: lib $(SIOC)
	install -d $(INC_DIR) $(LIB_DIR)/pkgconfig $(BIN_DIR) \
		$(MAN_DIR)/man1 $(MAN_DIR)/man3 $(DATA_DIR)
	install -m 644 $(PUBLIC_HEADERS) $(INC_DIR)/
	install -m 644 $(LIB_A) $(LIB_DIR)/
	install -m 755 $(LIB_SO) $(LIB_DIR)/
	ln -sf libsio.so.$(VERSION) $(LIB_DIR)/libsio.so.$(SONAME_MAJOR)
	ln -sf libsio.so.$(SONAME_MAJOR) $(LIB_DIR)/libsio.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
		runtime/libsio.pc.in > $(LIB_DIR)/pkgconfig/libsio.pc
	install -m 755 $(SIOC) $(BIN_DIR)/
	install -m 644 man/sioc.1 $(MAN_DIR)/man1/
	install -m 644 man/libsio.3 $(MAN_DIR)/man3/
	@if [ -f $(CLIENT_JS_SRC) ]; then \
		echo "install -m 644 $(CLIENT_JS_SRC) $(DATA_DIR)/socket.io.js"; \
		install -m 644 $(CLIENT_JS_SRC) $(DATA_DIR)/socket.io.js; \
	else \
		echo "make install: $(CLIENT_JS_SRC) is missing, so" \
			"$(PREFIX)/share/sioc/socket.io.js is not installed:" \
			"run 'make deps' (npm) and install again" >&2; \
	fi

uninstall:
	rm -f $(addprefix $(INC_DIR)/,$(notdir $(PUBLIC_HEADERS)))
	rm -f $(LIB_DIR)/libsio.a $(LIB_DIR)/libsio.so \
		$(LIB_DIR)/libsio.so.$(SONAME_MAJOR) \
		$(LIB_DIR)/libsio.so.$(VERSION) $(LIB_DIR)/pkgconfig/libsio.pc
	rm -f $(BIN_DIR)/sioc $(MAN_DIR)/man1/sioc.1 $(MAN_DIR)/man3/libsio.3
	rm -f $(DATA_DIR)/socket.io.js
	-rmdir $(INC_DIR) $(DATA_DIR) 2>/dev/null

.PHONY: install uninstall
