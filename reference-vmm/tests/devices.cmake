# SPDX-License-Identifier: Apache-2.0
# The reference VMM's virtio devices, driven by the probe guest (labels
# boot and reference-vmm). devices-test says what each asserts:
#   boot.reference-vmm.host.virtio-devices     probe.virtio=1 with --disk,
#                                              --rng, --console file:...,
#                                              --net tap=... with tap-peer
#                                              (a network namespace; the
#                                              net part needs root); then
#                                              the image and the console
#                                              file, checked on the host
#   boot.reference-vmm.host.virtio-hostile     probe.hostile_virtio=1 on the
#                                              same devices: every refusal
#                                              correct, logged, survived
#   boot.reference-vmm.sandbox.virtio-*        the same inside the KVM
#                                              sandbox (busybox's unshare)
# Included by CMakeLists.txt after the reference-vmm sandbox suite exists;
# it uses that file's ${vmm} and ${here}.
set(devices_test ${here}/devices-test)
foreach(run normal:devices hostile:hostile)
  string(REPLACE ":" ";" run "${run}")
  list(GET run 0 mode)
  list(GET run 1 name)
  set(cmd ${devices_test} ${mode} ${vmm} ${CVMM_PROBE_ELF}
      ${CVMM_PROBE_CHECK} $<TARGET_FILE:tap-peer>)
  add_test(NAME boot.reference-vmm.host.virtio-${name}
           COMMAND ${here}/need-kvm ${cmd})
  set_tests_properties(boot.reference-vmm.host.virtio-${name} PROPERTIES
    LABELS "boot;reference-vmm" TIMEOUT 300 SKIP_RETURN_CODE 77)
  cvmm_sandbox_test(SUITE reference-vmm
                    NAME boot.reference-vmm.sandbox.virtio-${name}
                    TIMEOUT 300 LABELS reference-vmm COMMAND ${cmd})
endforeach()
