# SPDX-License-Identifier: Apache-2.0
# The one place that lists the warnings every cvmm build uses. Every target
# created through cvmm_component(), cvmm_test() or cvmm_executable() gets
# them; nothing else should add or remove warnings.

set(CVMM_WARNINGS
    -Wall
    -Wextra
    -Werror
    -Wshadow
    -Wstrict-prototypes
    -Wmissing-prototypes
    -Wpointer-arith
    -Wcast-qual
    -Wformat=2
    -Wundef
    -Wvla
    -Wwrite-strings
    -Wimplicit-fallthrough
    -Wconversion
    -Wsign-conversion)
