# SPDX-License-Identifier: Apache-2.0
# Third-party libraries, all from Debian's archive (ci/install-deps.sh
# installs them). Each becomes an imported target cvmm::<lib>.

find_path(CMOCKA_INCLUDE_DIR cmocka.h)
find_library(CMOCKA_LIBRARY cmocka)
if(NOT CMOCKA_INCLUDE_DIR OR NOT CMOCKA_LIBRARY)
  message(FATAL_ERROR
    "cmocka not found: install Debian's libcmocka-dev (ci/install-deps.sh does)")
endif()
add_library(cvmm::cmocka UNKNOWN IMPORTED)
set_target_properties(cvmm::cmocka PROPERTIES
  IMPORTED_LOCATION ${CMOCKA_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${CMOCKA_INCLUDE_DIR})

find_package(Threads REQUIRED)
