# SPDX-License-Identifier: Apache-2.0
# Reads every components/*/manifest.conf through the same C parser the gate
# uses (harness/manifest), so the build and the gate can never disagree about
# a manifest. The parser is compiled here, at configure time, with the
# project's C compiler and none of its flags (sanitizer or fuzzer runtimes
# must not leak into a build tool). A malformed manifest stops the configure
# step with "file:line: error: what is wrong".

set(_cvmm_manifest_src
    ${CMAKE_SOURCE_DIR}/harness/manifest/manifest.c
    ${CMAKE_SOURCE_DIR}/harness/manifest/manifest_tool.c)
set(CVMM_MANIFEST_TOOL ${CMAKE_BINARY_DIR}/cvmm-manifest-configure)

execute_process(
  COMMAND ${CMAKE_C_COMPILER} -std=c11 -O1 -o ${CVMM_MANIFEST_TOOL}
          ${_cvmm_manifest_src}
  RESULT_VARIABLE _rc
  ERROR_VARIABLE _err)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "cannot build the manifest reader:\n${_err}")
endif()

# CVMM_COMPONENTS_ROOT lets the manifest tests configure a tree of fixtures.
if(NOT DEFINED CVMM_COMPONENTS_ROOT)
  set(CVMM_COMPONENTS_ROOT ${CMAKE_SOURCE_DIR}/components)
endif()
file(GLOB _cvmm_manifests CONFIGURE_DEPENDS
     ${CVMM_COMPONENTS_ROOT}/*/manifest.conf)
list(SORT _cvmm_manifests)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${_cvmm_manifests} ${_cvmm_manifest_src})

execute_process(
  COMMAND ${CVMM_MANIFEST_TOOL} --cmake ${_cvmm_manifests}
  RESULT_VARIABLE _rc
  OUTPUT_VARIABLE _out
  ERROR_VARIABLE _err)
if(NOT _rc EQUAL 0)
  # Indented lines are printed as they are, not re-wrapped, so the
  # "file:line: error: ..." stays on one line for people and for editors.
  string(STRIP "${_err}" _err)
  string(REPLACE "\n" "\n  " _err "${_err}")
  message(FATAL_ERROR "malformed component manifest:\n  ${_err}\n")
endif()
file(WRITE ${CMAKE_BINARY_DIR}/cvmm-manifests.cmake "${_out}")
include(${CMAKE_BINARY_DIR}/cvmm-manifests.cmake)
