# examples/poll/example.mk - the poll in the tree's own build (included by
# the Makefile). Its schema lives beside main.c, as in a project of its
# own; examples/poll/Makefile builds the same files against an installed
# sioc instead.
$(B)/schema/poll.sio.c: examples/poll/poll.sio $(SIOC)
	@mkdir -p $(@D)
	$(SIOC) -o $(B)/schema $<
$(B)/schema/poll.sio.h: $(B)/schema/poll.sio.c ;

EX_OBJ_poll += $(B)/obj/schema/poll.sio.o
$(B)/obj/examples/poll/main.o: $(B)/schema/poll.sio.h
.SECONDARY: $(B)/schema/poll.sio.c $(B)/schema/poll.sio.h \
	$(B)/obj/schema/poll.sio.o
