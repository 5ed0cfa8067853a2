/* no_descriptor.c: a shared object without a lucet_module symbol. */
int not_a_module(void) { return 0; }
