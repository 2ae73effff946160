; Hearth's NSIS installer hooks (bundle > windows > nsis > installerHooks).
;
; Friends must be able to reach a room hosted on this computer, so the installer adds an
; inbound Windows Firewall rule for Hearth on Private networks only (never Public ones).
; The app's self-check (`host_check`) looks for this rule by its name, "Hearth"
; (hearth_discovery::probe::FIREWALL_RULE_NAME; a test keeps the two in step).
; Adding a rule needs administrator rights: a per-user install without them leaves the
; rule out, and the self-check then tells the user how to allow Hearth.

!macro NSIS_HOOK_POSTINSTALL
  ; A reinstall replaces the rule instead of adding a second one.
  nsExec::ExecToLog 'netsh advfirewall firewall delete rule name="Hearth"'
  Pop $0
  nsExec::ExecToLog 'netsh advfirewall firewall add rule name="Hearth" dir=in action=allow program="$INSTDIR\hearth.exe" enable=yes profile=private'
  Pop $0
  ${If} $0 != 0
    DetailPrint "Hearth: no firewall rule added (needs administrator rights); the app explains how to allow it."
  ${EndIf}
!macroend

!macro NSIS_HOOK_PREUNINSTALL
  nsExec::ExecToLog 'netsh advfirewall firewall delete rule name="Hearth"'
  Pop $0
!macroend
