// Devices: register-level models of the emulated machine's devices. (Being built; see issue 4.)
import Hardware
