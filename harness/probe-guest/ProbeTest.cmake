# SPDX-License-Identifier: Apache-2.0
# Boot tests of the probe guest, one line each, with any runner that takes
# the reference VMM's options (--kernel, --cmdline, --vcpus, --mem,
# --initrd): qemu-probe today, the reference VMM later.
#
#   cvmm_probe_test(NAME <ctest name> RUNNER <command...>
#                   [IMAGE elf|bzimage]        default elf
#                   [ENTRY pvh|bz64|bz32|bz16] the entry the probe must see
#                   [VCPUS n]                  default 1 (probe.vcpus too)
#                   [MEM mib]                  default 128 (probe.mem_mib)
#                   [INITRD]                   pass the test initrd and
#                                              check it (probe.initrd=1)
#                   [CMDLINE "probe.x=y ..."]  more of the command line
#                   [EXPECT_STATUS n]          runner's exit status (0)
#                   [EXPECT_END reset|poweroff|triple-fault|hang|any]
#                                              (reset)
#                   [GREP ere...] [NO_GREP ere...]
#                   [RUNNER_ARGS args...]      after the standard options
#                   [TIMEOUT s] [LABELS l...])
#
# e.g. cvmm_probe_test(NAME boot.probe.vmm.pvh-2cpu
#          RUNNER $<TARGET_FILE:reference-vmm> VCPUS 2 ENTRY pvh EXPECT_STATUS 0)
#
# cvmm_probe_command(<out-var> <same options, NAME and RUNNER included>)
# gives the probe-check command line as a CMake list instead of adding a
# test (the KVM sandbox uses it to run the same test inside).
#
# Any CMakeLists.txt may include this file (harness/ pieces are added in
# name order, so kvm-sandbox comes before probe-guest); it also sets the
# paths of the probe's files (cached):
#   CVMM_PROBE_ELF, CVMM_PROBE_BZIMAGE   the two images
#   CVMM_PROBE_INITRD                    the initrd the probe checks
#   CVMM_PROBE_CHECK                     the TAP checker (probe-check)
#   CVMM_PROBE_QEMU                      the QEMU runner (qemu-probe)
include_guard(GLOBAL)

set(_probe_out ${CMAKE_BINARY_DIR}/harness/probe-guest)
set(CVMM_PROBE_ELF ${_probe_out}/probe.elf CACHE INTERNAL "")
set(CVMM_PROBE_BZIMAGE ${_probe_out}/probe.bzImage CACHE INTERNAL "")
set(CVMM_PROBE_INITRD ${_probe_out}/probe-initrd.bin CACHE INTERNAL "")
set(CVMM_PROBE_CHECK ${CMAKE_CURRENT_LIST_DIR}/probe-check CACHE INTERNAL "")
set(CVMM_PROBE_QEMU ${CMAKE_CURRENT_LIST_DIR}/qemu-probe CACHE INTERNAL "")

function(cvmm_probe_command out)
  cmake_parse_arguments(P "INITRD" "NAME;IMAGE;ENTRY;VCPUS;MEM;CMDLINE;EXPECT_STATUS;EXPECT_END;TIMEOUT"
                        "RUNNER;GREP;NO_GREP;RUNNER_ARGS;LABELS" ${ARGN})
  if(NOT P_NAME OR NOT P_RUNNER)
    message(FATAL_ERROR "cvmm_probe_command: NAME and RUNNER are required")
  endif()
  if(NOT P_IMAGE)
    set(P_IMAGE elf)
  endif()
  if(P_IMAGE STREQUAL "elf")
    set(image ${CVMM_PROBE_ELF})
  elseif(P_IMAGE STREQUAL "bzimage")
    set(image ${CVMM_PROBE_BZIMAGE})
  else()
    message(FATAL_ERROR "cvmm_probe_command(${P_NAME}): IMAGE elf|bzimage")
  endif()
  if(NOT P_VCPUS)
    set(P_VCPUS 1)
  endif()
  if(NOT P_MEM)
    set(P_MEM 128)
  endif()
  if(NOT DEFINED P_EXPECT_STATUS)
    set(P_EXPECT_STATUS 0)
  endif()
  if(NOT P_EXPECT_END)
    set(P_EXPECT_END reset)
  endif()
  if(NOT P_TIMEOUT)
    set(P_TIMEOUT 120)
  endif()
  set(cmdline "probe.vcpus=${P_VCPUS} probe.mem_mib=${P_MEM}")
  if(P_ENTRY)
    string(APPEND cmdline " probe.expect_entry=${P_ENTRY}")
  endif()
  if(P_INITRD)
    string(APPEND cmdline " probe.initrd=1")
  endif()
  if(P_CMDLINE)
    string(APPEND cmdline " ${P_CMDLINE}")
  endif()

  set(cmd ${CVMM_PROBE_CHECK} --name ${P_NAME}
      --expect-status ${P_EXPECT_STATUS} --expect-end ${P_EXPECT_END}
      --timeout ${P_TIMEOUT})
  foreach(re IN LISTS P_GREP)
    list(APPEND cmd --grep ${re})
  endforeach()
  foreach(re IN LISTS P_NO_GREP)
    list(APPEND cmd --no-grep ${re})
  endforeach()
  list(APPEND cmd -- ${P_RUNNER} --kernel ${image} --vcpus ${P_VCPUS}
       --mem ${P_MEM} --cmdline ${cmdline})
  if(P_INITRD)
    list(APPEND cmd --initrd ${CVMM_PROBE_INITRD})
  endif()
  list(APPEND cmd ${P_RUNNER_ARGS})
  set(${out} "${cmd}" PARENT_SCOPE)
endfunction()

function(cvmm_probe_test)
  cmake_parse_arguments(P "" "NAME;TIMEOUT" "LABELS" ${ARGN})
  cvmm_probe_command(cmd ${ARGN})
  if(NOT P_TIMEOUT)
    set(P_TIMEOUT 120)
  endif()
  # The test's own timeout leaves probe-check room to report.
  math(EXPR ctest_timeout "${P_TIMEOUT} + 30")
  add_test(NAME ${P_NAME} COMMAND ${cmd})
  set_tests_properties(${P_NAME} PROPERTIES
    LABELS "boot;harness;${P_LABELS}" TIMEOUT ${ctest_timeout}
    SKIP_RETURN_CODE 77)
endfunction()
