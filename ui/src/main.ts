import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { pickBackend } from './lib/backend';
import { Hearth } from './lib/stores/hearth.svelte';

const hearth = new Hearth(pickBackend());
mount(App, { target: document.getElementById('app')!, props: { hearth } });
