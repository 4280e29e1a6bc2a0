# SPDX-License-Identifier: Apache-2.0
# The reference VMM's virtio devices, driven by the probe guest (labels
# boot and reference-vmm; the tests named virtio and virtio-hostile in
# CMakeLists.txt use a tiny guest instead). devices-test says what each
# asserts:
#   boot.reference-vmm.host.probe-virtio-devices
#                                              probe.virtio=1 with --disk,
#                                              --rng, --console file:...
#                                              and, when the VMM has the
#                                              net device, --net tap=...
#                                              with tap-peer (in a network
#                                              namespace; needs root); then
#                                              the image and the console
#                                              file, checked on the host
#   boot.reference-vmm.host.probe-virtio-hostile
#                                              probe.hostile_virtio=1: every
#                                              refusal correct, logged, and
#                                              survived; the device reset
#                                              and used again each time
#   boot.reference-vmm.sandbox.probe-virtio-*  the same inside the KVM
#                                              sandbox (busybox's unshare)
# Included by CMakeLists.txt after the reference-vmm sandbox suite exists;
# it uses that file's ${vmm} and ${here}.
set(devices_test ${here}/devices-test)
foreach(mode normal hostile)
  if(mode STREQUAL "normal")
    set(name devices)
  else()
    set(name hostile)
  endif()
  set(cmd ${devices_test} ${mode} ${vmm} ${CVMM_PROBE_ELF}
      ${CVMM_PROBE_CHECK} $<TARGET_FILE:tap-peer>)
  add_test(NAME boot.reference-vmm.host.probe-virtio-${name}
           COMMAND ${here}/need-kvm ${cmd})
  set_tests_properties(boot.reference-vmm.host.probe-virtio-${name} PROPERTIES
    LABELS "boot;reference-vmm" TIMEOUT 300 SKIP_RETURN_CODE 77)
  cvmm_sandbox_test(SUITE reference-vmm
                    NAME boot.reference-vmm.sandbox.probe-virtio-${name}
                    TIMEOUT 300 LABELS reference-vmm COMMAND ${cmd})
endforeach()
