# tests/unit/ixgbe: the 82599 driver against the register-level model in
# tests/model/ixgbe, and the software Toeplitz hash. Included by the
# top-level Makefile; every program is a cmocka test printing TAP.
#
#   make build/unit/ixgbe/<name>

IXGBE_DRV := drivers/ixgbe/ixgbe.c drivers/ixgbe/ixgbe_rxtx.c drivers/ixgbe/ixgbe_rss.c \
	drivers/ixgbe/ixgbe_fdir.c drivers/toeplitz.c
IXGBE_RIG := tests/unit/ixgbe/rig.c tests/model/ixgbe/ixgbe_model.c $(IXGBE_DRV)
IXGBE_HDR := $(wildcard drivers/ixgbe/*.h) drivers/toeplitz.h drivers/netdev.h drivers/platform.h \
	tests/model/ixgbe/ixgbe_model.h tests/unit/ixgbe/rig.h

# drivers/platform.h includes <pikaos/dev.h>; search libc/include after the
# system directories so the host's own headers still win.
IXGBE_TESTS := toeplitz_test bringup_test traffic_test fdir_test groups_test irq_test badinput_test
$(foreach t,$(IXGBE_TESTS),$(B)/unit/ixgbe/$(t)): UNIT_CFLAGS += -idirafter libc/include
$(foreach t,$(IXGBE_TESTS),$(B)/unit/ixgbe/$(t)): $(IXGBE_HDR)

$(eval $(call unit_test,ixgbe/toeplitz_test,tests/unit/ixgbe/toeplitz_test.c drivers/toeplitz.c tests/model/ixgbe/ixgbe_model.c))
$(eval $(call unit_test,ixgbe/bringup_test,tests/unit/ixgbe/bringup_test.c $(IXGBE_RIG)))
$(eval $(call unit_test,ixgbe/traffic_test,tests/unit/ixgbe/traffic_test.c $(IXGBE_RIG)))
$(eval $(call unit_test,ixgbe/fdir_test,tests/unit/ixgbe/fdir_test.c $(IXGBE_RIG)))
$(eval $(call unit_test,ixgbe/groups_test,tests/unit/ixgbe/groups_test.c $(IXGBE_RIG)))
$(eval $(call unit_test,ixgbe/irq_test,tests/unit/ixgbe/irq_test.c $(IXGBE_RIG)))
$(eval $(call unit_test,ixgbe/badinput_test,tests/unit/ixgbe/badinput_test.c $(IXGBE_RIG)))
