# SPDX-License-Identifier: Apache-2.0
# Fuzz targets: one source file each (fuzz/<name>.c defining
# LLVMFuzzerTestOneInput), built three ways from the same file:
#
#   CVMM_FUZZ_ENGINE=libfuzzer  fuzz-<name>: clang -fsanitize=fuzzer,...
#   CVMM_FUZZ_ENGINE=external   fuzz-<name> linked with CVMM_FUZZ_LINK
#                               (fuzz/oss-fuzz-build.sh, for OSS-Fuzz)
#   CVMM_FUZZ_ENGINE=afl        fuzz-<name>: afl-clang-fast + AFL++'s
#                               libFuzzer-compatible driver (CMPLOG builds
#                               come from the fuzz-afl-cmplog preset)
#   (no engine)                 fuzz-replay-<name>: plain main() that replays
#                               files and directories; ctest replays
#                               corpora/<name>/{seeds,corpus,crashes}
#
# The manifests are the source of truth: a target must be listed in the
# fuzz-targets of the component(s) it exercises, and every listed target
# must be defined here.

set(CVMM_FUZZ_ENGINE "" CACHE STRING
    "libfuzzer, afl, external (OSS-Fuzz), or empty for replay builds")
set_property(CACHE CVMM_FUZZ_ENGINE PROPERTY STRINGS "" libfuzzer afl external)
set(CVMM_FUZZ_LINK "" CACHE STRING
    "Link flags or library of an external engine (CVMM_FUZZ_ENGINE=external, OSS-Fuzz's LIB_FUZZING_ENGINE)")
# Where fuzz targets and their corpora live (the gate's tests point these at
# fixture trees).
set(CVMM_FUZZ_ROOT ${CMAKE_SOURCE_DIR}/fuzz CACHE PATH "fuzz targets")
set(CVMM_CORPORA_ROOT ${CMAKE_SOURCE_DIR}/corpora CACHE PATH "fuzz corpora")
set(CVMM_AFL_DRIVER /usr/lib/afl/libAFLDriver.a CACHE FILEPATH
    "AFL++'s libFuzzer-compatible driver (Debian's afl++)")

function(cvmm_fuzz_target)
  cmake_parse_arguments(ARG "" "NAME" "LIBS" ${ARGN})
  set(name ${ARG_NAME})
  set(owners)
  foreach(c IN LISTS CVMM_COMPONENTS)
    if(name IN_LIST CVMM_${c}_FUZZ_TARGETS)
      list(APPEND owners ${c})
    endif()
  endforeach()
  if(NOT owners)
    message(FATAL_ERROR "fuzz/${name}.c: no manifest lists '${name}' under fuzz-targets")
  endif()
  set(libs cvmm::fuzz-input ${ARG_LIBS})
  foreach(c IN LISTS owners)
    list(APPEND libs cvmm::${c})
  endforeach()
  set(src ${CMAKE_CURRENT_SOURCE_DIR}/${name}.c)
  set(corpora ${CVMM_CORPORA_ROOT}/${name})

  if(CVMM_FUZZ_ENGINE STREQUAL "libfuzzer")
    add_executable(fuzz-${name} ${src})
    target_link_options(fuzz-${name} PRIVATE -fsanitize=fuzzer)
    set(target fuzz-${name})
  elseif(CVMM_FUZZ_ENGINE STREQUAL "external")
    add_executable(fuzz-${name} ${src})
    separate_arguments(link UNIX_COMMAND "${CVMM_FUZZ_LINK}")
    target_link_libraries(fuzz-${name} PRIVATE ${link})
    set(target fuzz-${name})
  elseif(CVMM_FUZZ_ENGINE STREQUAL "afl")
    if(NOT EXISTS ${CVMM_AFL_DRIVER})
      message(FATAL_ERROR "${CVMM_AFL_DRIVER} not found: install Debian's afl++ (ci/install-deps.sh does)")
    endif()
    add_executable(fuzz-${name} ${src})
    target_link_libraries(fuzz-${name} PRIVATE ${CVMM_AFL_DRIVER})
    set(target fuzz-${name})
  elseif(CVMM_FUZZ_ENGINE STREQUAL "")
    add_executable(fuzz-replay-${name} ${src} ${CMAKE_SOURCE_DIR}/fuzz/replay_main.c)
    set(target fuzz-replay-${name})
    set(inputs)
    foreach(sub seeds corpus crashes)
      if(IS_DIRECTORY ${corpora}/${sub})
        list(APPEND inputs ${corpora}/${sub})
      endif()
    endforeach()
    if(NOT inputs)
      message(FATAL_ERROR "${corpora}/seeds is missing: every fuzz target ships seeds")
    endif()
    add_test(NAME fuzz-replay.${name} COMMAND ${target} ${inputs})
    set_tests_properties(fuzz-replay.${name} PROPERTIES
      LABELS "fuzz-replay;${owners}" TIMEOUT 600)
  else()
    message(FATAL_ERROR "CVMM_FUZZ_ENGINE='${CVMM_FUZZ_ENGINE}': use libfuzzer, afl, external or nothing")
  endif()
  cvmm_target_defaults(${target})
  target_link_libraries(${target} PRIVATE ${libs})
  set_property(GLOBAL APPEND PROPERTY CVMM_FUZZ_TARGETS ${name})
  foreach(c IN LISTS owners)
    cvmm_check_depends(${c} ${target})
  endforeach()

  # The corpus generator, fuzz/seeds/<name>.c, shares the target's
  # decoding rules through harness/fuzz-input's encoder.
  set(gen ${CMAKE_CURRENT_SOURCE_DIR}/seeds/${name}.c)
  if(CVMM_FUZZ_ENGINE STREQUAL "" AND EXISTS ${gen})
    add_executable(fuzz-seeds-${name} ${gen})
    cvmm_target_defaults(fuzz-seeds-${name})
    target_include_directories(fuzz-seeds-${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/seeds)
    target_link_libraries(fuzz-seeds-${name} PRIVATE ${libs})
  endif()
endfunction()

# Every target a manifest lists must exist.
function(cvmm_fuzz_check_manifests)
  get_property(defined GLOBAL PROPERTY CVMM_FUZZ_TARGETS)
  foreach(c IN LISTS CVMM_COMPONENTS)
    foreach(t IN LISTS CVMM_${c}_FUZZ_TARGETS)
      if(NOT t IN_LIST defined)
        message(FATAL_ERROR
          "${CVMM_${c}_MANIFEST}: fuzz-targets lists '${t}' but fuzz/${t}.c is not built (add cvmm_fuzz_target(NAME ${t}) to fuzz/CMakeLists.txt)")
      endif()
    endforeach()
  endforeach()
endfunction()
