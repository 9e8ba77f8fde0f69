# tests/unit/netd: host tests of netd's parts that are pure computation
# (the load balancer). Included by the top-level Makefile.
#
#   make build/unit/netd/<name>
$(eval $(call unit_test,netd/lb_test,tests/unit/netd/lb_test.c user/netd/lb.c))
$(B)/unit/netd/lb_test: user/netd/lb.h
