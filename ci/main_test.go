package main

import (
	// The generated client connects when the test binary starts; session
	// points it at the fake engine first (see its doc).
	_ "dagger/market-data-contracts/enginetest/session"
)
