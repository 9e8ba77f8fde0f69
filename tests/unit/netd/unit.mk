# tests/unit/netd: host tests of netd's parts that are pure computation
# (the load balancer, the connection manager's flow pins). Included by the top-level Makefile.
# claim_test (the socket service on the fuzz targets' host world) is in tests/fuzz/netd/fuzz.mk.
#
#   make build/unit/netd/<name>
$(eval $(call unit_test,netd/lb_test,tests/unit/netd/lb_test.c user/netd/lb.c))
$(B)/unit/netd/lb_test: user/netd/lb.h
$(eval $(call unit_test,netd/pin_test,tests/unit/netd/pin_test.c user/netd/pin.c))
$(B)/unit/netd/pin_test: user/netd/pin.h
